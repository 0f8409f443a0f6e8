export { BuildsService, toPublicCompilation, type BuildTimes } from './builds-service.js';
export { buildVolumeName, type BuildVolumeKey } from './build-container.js';
export { ensureImage, imageHelp, ImageUnavailableError } from './ensure-image.js';
export { checkElfExecutable } from './elf.js';
export { createBuildsRouter } from './builds-router.js';
export { ImageCatalog, swiftVersionFrom } from './image-catalog.js';
