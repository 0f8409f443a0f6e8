export { BuildsService, buildVolumeName, toPublicCompilation, type BuildVolumeKey } from './builds-service.js';
export { ensureImage, imageHelp, ImageUnavailableError } from './ensure-image.js';
export { checkElfExecutable } from './elf.js';
export { createBuildsRouter } from './builds-router.js';
export { ImageCatalog, swiftVersionFrom } from './image-catalog.js';
