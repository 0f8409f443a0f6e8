import { useCallback, useEffect, useState } from 'react';
import { consoleApi, type LocalImage } from '../api.js';

/** `swift`, `docker.io/library/swift:latest` and Podman's `localhost/swift` name the same image. */
export function normalizeImage(name: string): string {
  let n = name
    .trim()
    .replace(/^(docker\.io|localhost)\//, '')
    .replace(/^library\//, '');
  const lastSlash = n.lastIndexOf('/');
  if (!n.includes('@') && !n.slice(lastSlash + 1).includes(':')) n += ':latest';
  return n;
}

export function findImage(images: readonly LocalImage[], name: string): LocalImage | undefined {
  const wanted = normalizeImage(name);
  return images.find((i) => normalizeImage(i.name) === wanted);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

/** The local images (GET /console/api/images), loaded when shown: they change only by a pull or a docker command. */
export function useImages(): { images: LocalImage[] | undefined; error: Error | undefined; reload: () => void } {
  const [images, setImages] = useState<LocalImage[]>();
  const [error, setError] = useState<Error>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    consoleApi.images().then(
      (r) => {
        if (!alive) return;
        setImages(r.images);
        setError(undefined);
      },
      (err: Error) => {
        if (alive) setError(err);
      },
    );
    return () => {
      alive = false;
    };
  }, [tick]);
  return { images, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/**
 * A select of the local images, those with a Swift toolchain first with their version. `value` ''
 * is the server's default image (when `defaultImage` is given); an image not on this machine stays
 * listed, marked so.
 */
export function ImagePicker({
  value,
  onChange,
  images,
  defaultImage,
  testId,
}: {
  value: string;
  onChange: (name: string) => void;
  images: readonly LocalImage[] | undefined;
  defaultImage?: string;
  testId?: string;
}) {
  const list = images ?? [];
  const swift = list.filter((i) => i.swiftVersion);
  const other = list.filter((i) => !i.swiftVersion);
  const missing = value && images && !findImage(list, value);
  return (
    <select
      className="mono"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      data-testid={testId}
      aria-label="Docker image"
    >
      {defaultImage !== undefined && <option value="">Server default ({defaultImage})</option>}
      {!images && value && <option value={value}>{value}</option>}
      {missing && <option value={value}>{value} · not on this machine</option>}
      {swift.length > 0 && (
        <optgroup label="With a Swift toolchain">
          {swift.map((i) => (
            <option key={i.name} value={i.name} data-swift={i.swiftVersion}>
              {i.name} · Swift {i.swiftVersion} · {formatBytes(i.sizeBytes)}
            </option>
          ))}
        </optgroup>
      )}
      {other.length > 0 && (
        <optgroup label="Without a Swift toolchain (cannot build)">
          {other.map((i) => (
            <option key={i.name} value={i.name}>
              {i.name} · no Swift · {formatBytes(i.sizeBytes)}
            </option>
          ))}
        </optgroup>
      )}
    </select>
  );
}
