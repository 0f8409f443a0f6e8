import { useEffect, useState } from 'react';
import { api, consoleApi, desktopFolderPicker, type Project } from '../api.js';
import { ImagePicker, useImages } from '../components/image-picker.js';
import { ErrorNote, Field } from '../components/ui.js';

/** The executables of the folder typed or picked: read from its Package.swift by the server. */
type Targets =
  | { state: 'idle' }
  | { state: 'loading'; path: string }
  | { state: 'loaded'; path: string; executables: string[] }
  | { state: 'failed'; path: string; error: Error };

function folderName(path: string): string {
  return (
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? ''
  );
}

/**
 * New project: a package folder (the desktop app's folder picker, or a path), the executable to
 * build as a select of what its Package.swift declares, a name (the folder's by default) and an
 * image from the local ones.
 */
export function CreateProjectForm({
  defaultImage,
  onCreated,
}: {
  defaultImage: string;
  onCreated: (p: Project) => void;
}) {
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [sourcePath, setSourcePath] = useState('');
  const [targetName, setTargetName] = useState('');
  const [dockerImage, setDockerImage] = useState('');
  // the deadlines, shown so that nobody meets the 60 s one by surprise
  const [runTimeout, setRunTimeout] = useState('60');
  const [devRunTimeout, setDevRunTimeout] = useState('3600');
  const [targets, setTargets] = useState<Targets>({ state: 'idle' });
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const images = useImages();
  const pickFolder = desktopFolderPicker();

  // read the folder's executables a moment after typing stops (at once after a pick)
  const [lookup, setLookup] = useState<{ path: string; delay: number }>({ path: '', delay: 0 });
  useEffect(() => {
    const path = lookup.path.trim();
    if (!path) {
      setTargets({ state: 'idle' });
      return;
    }
    let alive = true;
    const timer = window.setTimeout(() => {
      setTargets({ state: 'loading', path });
      consoleApi.packageExecutables(path).then(
        ({ executables }) => {
          if (!alive) return;
          setTargets({ state: 'loaded', path, executables });
          setTargetName((current) => (executables.includes(current) ? current : (executables[0] ?? '')));
        },
        (err: Error) => {
          if (alive) setTargets({ state: 'failed', path, error: err });
        },
      );
    }, lookup.delay);
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [lookup]);

  const choosePath = (path: string, delay: number) => {
    setSourcePath(path);
    setLookup({ path, delay });
    if (!nameTouched) setName(folderName(path));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onCreated(
        (
          await api.createProject({
            name: name.trim(),
            sourcePath: sourcePath.trim(),
            targetName,
            ...(dockerImage ? { dockerImage } : {}),
            runTimeoutSeconds: Number(runTimeout),
            devRunTimeoutSeconds: Number(devRunTimeout),
          })
        ).project,
      );
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const executables = targets.state === 'loaded' ? targets.executables : [];
  return (
    <form className="panel form" onSubmit={submit} data-testid="project-form">
      <Field
        label="Swift package folder"
        hint="The folder with Package.swift. It is only read: nothing is written into it."
      >
        <div className="input-row">
          <input
            value={sourcePath}
            onChange={(e) => choosePath(e.target.value, 400)}
            required
            placeholder="/Users/me/code/my-lambda"
            className="mono"
            autoFocus
            spellCheck={false}
            data-testid="project-path"
          />
          {pickFolder && (
            <button
              type="button"
              className="btn"
              data-testid="pick-folder"
              onClick={async () => {
                const picked = await pickFolder();
                if (picked) choosePath(picked, 0);
              }}
            >
              Choose…
            </button>
          )}
        </div>
      </Field>
      <div className="path-status" data-testid="path-status" data-state={targets.state}>
        {targets.state === 'loading' && <span className="muted small">Reading Package.swift…</span>}
        {targets.state === 'failed' && <ErrorNote error={targets.error} testId="path-error" />}
        {targets.state === 'loaded' && executables.length === 0 && (
          <p className="error-note" role="alert" data-testid="path-error">
            Package.swift declares no executable product or executableTarget: a project builds one of those.
          </p>
        )}
      </div>
      <div className="field-grid field-grid-2">
        <Field
          label="Executable target"
          hint={executables.length ? `${executables.length} declared in Package.swift` : 'Pick the folder first'}
        >
          <select
            value={targetName}
            onChange={(e) => setTargetName(e.target.value)}
            required
            disabled={!executables.length}
            className="mono"
            data-testid="project-target"
          >
            {!executables.length && <option value="">—</option>}
            {executables.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Name" hint="Unique among your projects.">
          <input
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setNameTouched(true);
            }}
            required
            placeholder="my-lambda"
            data-testid="project-name"
          />
        </Field>
      </div>
      <Field label="Image" hint="Builds and runs use it. Images with a Swift toolchain show its version.">
        <ImagePicker
          value={dockerImage}
          onChange={setDockerImage}
          images={images.images}
          defaultImage={defaultImage}
          testId="project-image"
        />
      </Field>
      <div className="field-grid">
        {(
          [
            [
              'Run timeout (s)',
              "Runs are killed after this (the platform's runTimeoutSeconds).",
              86400,
              runTimeout,
              setRunTimeout,
              'project-run-timeout',
            ],
            [
              'Dev run timeout (s)',
              'For the runs Watch and swiftlambda dev start.',
              604800,
              devRunTimeout,
              setDevRunTimeout,
              'project-dev-run-timeout',
            ],
          ] as const
        ).map(([label, hint, max, value, setValue, testId]) => (
          <Field key={testId} label={label} hint={hint}>
            <input
              type="number"
              min={1}
              max={max}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              data-testid={testId}
            />
          </Field>
        ))}
      </div>
      <ErrorNote error={error} testId="create-project-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy || !targetName || !name.trim()}
          data-testid="create-project"
        >
          Create project
        </button>
      </div>
    </form>
  );
}
