export { ProjectsService, DEFAULT_PROJECT_SETTINGS, type ProjectDefaults } from './projects-service.js';
export { executableProductsIn, checkPackage, packageExecutables } from './package-manifest.js';
export { createProjectsRouter } from './projects-router.js';
export {
  localDependencyFolders,
  manifestFileOf,
  pathDependenciesIn,
  swiftVersionOfImage,
} from './path-dependencies.js';
export { bundledExamples } from './bundled-examples.js';
