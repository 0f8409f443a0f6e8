import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { AppError, errorMessage } from '../../errors.js';

export class ImageUnavailableError extends Error {}

/** How to get an image onto this machine, said wherever a pull fails. */
export function imageHelp(image: string): string {
  return (
    `The image "${image}" is not on this machine and could not be pulled. Provide it in one of these ways: ` +
    'build the bundled Swift image with `npm run swift-image` (or scripts/build-swift-image.sh) and set ' +
    "SWIFTLAMBDA_DEFAULT_IMAGE=swiftlambda/swift:6.0-trixie-git before creating projects; set the project's " +
    `dockerImage to an image you have (docker images); or run \`docker pull ${image}\` where a registry is reachable.`
  );
}

/** Makes sure `image` exists locally, pulling it with progress; throws ImageUnavailableError. */
export async function ensureImage(
  engine: DockerEngine,
  image: string,
  progress: (line: string) => void,
): Promise<void> {
  if (await engine.hasImage(image)) return;
  progress(`pulling ${image}`);
  try {
    let last = '';
    await engine.pullImage(image, (line) => {
      if (line !== last) progress(line);
      last = line;
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new ImageUnavailableError(`pull of ${image} failed: ${errorMessage(err)}. ${imageHelp(image)}`);
  }
}
