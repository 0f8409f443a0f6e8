export { KeysService, toPublicKey } from './keys-service.js';
export { generateSecret, isWellFormedSecret, hashSecret, KEY_PREFIX } from '../../domain/key-format.js';
export { createKeysRouter } from './keys-router.js';
