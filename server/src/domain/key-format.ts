import { createHash, randomBytes } from 'node:crypto';

// Key secrets look like GitHub's tokens: a recognizable prefix, 30 random base62 characters and a
// 6-character base62 CRC32 of those, so a typo or a pasted fragment is rejected before any lookup.
//   slk_<30 random><6 checksum>   (40 characters)
export const KEY_PREFIX = 'slk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
const SECRET_PATTERN = /^slk_[0-9A-Za-z]{36}$/;
/** how much of a secret the console shows: the prefix and the first 8 random characters */
export const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out;
}

function randomBase62(length: number): string {
  // rejection sampling keeps every character uniformly likely
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function generateSecret(): string {
  const random = randomBase62(RANDOM_LENGTH);
  return `${KEY_PREFIX}${random}${base62(crc32(random), CHECKSUM_LENGTH)}`;
}

/** Shape and checksum only; says nothing about whether the key exists. */
export function isWellFormedSecret(secret: string): boolean {
  if (!SECRET_PATTERN.test(secret)) return false;
  const random = secret.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_LENGTH);
  return secret.slice(KEY_PREFIX.length + RANDOM_LENGTH) === base62(crc32(random), CHECKSUM_LENGTH);
}

export function hashSecret(secret: string): string {
  return hashSecretBytes(secret).toString('hex');
}

/** The SHA-256 of a secret as bytes (what `hashSecret` spells in hex). */
export function hashSecretBytes(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_LENGTH);
}
