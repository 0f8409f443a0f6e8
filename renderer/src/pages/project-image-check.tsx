import { useState } from 'react';
import { api, consoleApi, type LocalImage, type Project } from '../api.js';
import { findImage } from '../components/image-picker.js';
import { ErrorNote } from '../components/ui.js';

/** The local toolchain image to offer: the server's default when it is here, else the newest Swift. */
function bestToolchain(images: readonly LocalImage[], defaultImage: string): LocalImage | undefined {
  const local = findImage(images, defaultImage);
  if (local?.swiftVersion) return local;
  const swift = images.filter((i) => i.swiftVersion);
  const version = (i: LocalImage) =>
    (i.swiftVersion ?? '')
      .split('.')
      .map((n) => n.padStart(4, '0'))
      .join('.');
  return [...swift].sort((a, b) => version(b).localeCompare(version(a)))[0];
}

/**
 * Says when the project's image is not on this machine (its builds and runs would fail) and fixes
 * it in one click: switch to a local toolchain image, or try to pull the image.
 */
export function ProjectImageCheck({
  project,
  images,
  defaultImage,
  onPulled,
}: {
  project: Project;
  images: LocalImage[] | undefined;
  defaultImage: string;
  onPulled: () => void;
}) {
  const [busy, setBusy] = useState<'switch' | 'pull' | null>(null);
  const [error, setError] = useState<Error>();
  if (!images || findImage(images, project.dockerImage)) return null;
  const local = bestToolchain(images, defaultImage);

  const act = async (kind: 'switch' | 'pull', work: () => Promise<unknown>) => {
    setBusy(kind);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="panel image-missing" role="alert" data-testid="image-missing">
      <p>
        The image <code className="mono">{project.dockerImage}</code> is not on this machine, so builds and runs of this
        project fail.
        {local
          ? ' Use a Swift toolchain image you have, or pull this one.'
          : ' Pull it (that needs a network), or build the toolchain image with npm run swift-image.'}
      </p>
      <div className="toolbar toolbar-wrap">
        {local && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy !== null}
            data-testid="image-fix-local"
            onClick={() => act('switch', () => api.updateProject(project.id, { dockerImage: local.name }))}
          >
            Use {local.name} (Swift {local.swiftVersion})
          </button>
        )}
        <button
          type="button"
          className="btn"
          disabled={busy !== null}
          data-testid="image-fix-pull"
          onClick={() =>
            act('pull', async () => {
              await consoleApi.pullImage(project.dockerImage);
              onPulled();
            })
          }
        >
          {busy === 'pull' ? 'Pulling…' : `Pull ${project.dockerImage}`}
        </button>
      </div>
      <ErrorNote error={error} testId="image-fix-error" />
    </section>
  );
}
