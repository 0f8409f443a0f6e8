import { useEffect, useState } from 'react';
import { api, consoleApi, type ConsoleRun, type Project } from '../api.js';
import { ConfirmDialog } from '../components/ui.js';
import { navigate } from '../router.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Names what a delete takes (runs with their logs, builds with their binaries, the build cache) and does it. */
export function DeleteProjectDialog({
  project,
  builds,
  onClose,
}: {
  project: Project;
  builds: number;
  onClose: () => void;
}) {
  const [runs, setRuns] = useState<ConsoleRun[]>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    api.allRuns({ project: project.id, limit: 50 }).then(
      (r) => setRuns(r.runs),
      () => setRuns([]),
    );
  }, [project.id]);
  const live = (runs ?? []).filter((r) => r.state === 'queued' || r.state === 'running').length;
  const runCount =
    runs === undefined ? 'its runs' : runs.length >= 50 ? 'its 50 or more runs' : `its ${plural(runs.length, 'run')}`;

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await consoleApi.deleteProject(project.id);
      onClose();
      navigate({ page: 'projects' });
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Delete “${project.name}”?`}
      confirmLabel={busy ? 'Deleting…' : 'Delete project'}
      onConfirm={remove}
      onClose={onClose}
      busy={busy}
      error={error}
      testId="delete-project-dialog"
    >
      <p>This deletes, for good:</p>
      <ul className="delete-list" data-testid="delete-what">
        <li>
          {runCount} and their logs{live ? `; ${plural(live, 'live run')} stopped first` : ''}
        </li>
        <li>its {plural(builds, 'build')}, their logs and binaries</li>
        <li>its build volume (the incremental build; the shared dependency cache stays)</li>
      </ul>
      <p className="muted small">
        Your package folder <code className="mono wrap-anywhere">{project.sourcePath}</code> is not touched.
      </p>
    </ConfirmDialog>
  );
}
