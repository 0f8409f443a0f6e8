export { SecretsService, SECRETS_FILE } from './secrets-service.js';
export { createSecretsRouter } from './secrets-router.js';
export { EnvironmentSource, EnvFileError, readEnvFile } from './run-environment.js';
