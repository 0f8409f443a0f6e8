import { timingSafeEqual } from 'node:crypto';
import type { KeyRecord } from '../../domain/records.js';
import { AppError } from '../../errors.js';
import { displayPrefix, hashSecretBytes, isWellFormedSecret } from '../../domain/key-format.js';

/** a key's lastUsedAt is kept to the minute */
export const LAST_USED_WRITE_INTERVAL_S = 60;
/** how many recently verified secrets a matcher remembers */
const VERIFIED_CACHE_SIZE = 1024;

/** The fields of a key that checking a presented secret needs (all the front door's copy holds). */
export type MatchableKey = Pick<KeyRecord, 'id' | 'prefix' | 'secretHash' | 'projects' | 'expiresAt' | 'revokedAt'>;

/** What checks a presented key: the keys service, and the front door's copy of the keys. */
export interface KeyAuthority<K extends MatchableKey = KeyRecord> {
  /** the key record for a presented secret, or its 401 reason (docs/api.md#reason-codes) */
  authenticate(secret: string | undefined): K;
  /** 403 unless the key may act on the project */
  authorizeProject(record: K, projectId: string): void;
}

/** 403 unless the key may act on the project. */
export function authorizeKeyForProject(record: MatchableKey, projectId: string): void {
  if (record.projects && !record.projects.includes(projectId)) {
    throw new AppError('forbidden_project', 'this API key is restricted to other projects');
  }
}

/**
 * Finds the key record of a presented secret among `records`. Every proxied call is
 * authenticated, so secrets already matched against a stored hash are remembered in memory, never
 * on disk (decision 0075). Keys are never deleted, and revocation and expiry are checked on every
 * call, cached or not. Call `forget` when the records are replaced.
 */
export class KeyMatcher<K extends MatchableKey> {
  private readonly verified = new Map<string, K>();

  constructor(private readonly records: () => readonly K[]) {}

  /** the usable key record of `secret` at `nowSeconds`, or its 401 reason (docs/api.md#reason-codes) */
  authenticate(secret: string | undefined, nowSeconds: number): K {
    if (!secret) throw new AppError('missing_api_key', 'send your API key in the X-API-Key header');
    const record = this.verified.get(secret) ?? this.verify(secret);
    if (!record) throw new AppError('invalid_api_key', 'the API key is not recognized');
    if (record.revokedAt !== null) throw new AppError('revoked_api_key', 'this API key was revoked');
    if (record.expiresAt !== null && record.expiresAt <= nowSeconds)
      throw new AppError('expired_api_key', 'this API key has expired');
    return record;
  }

  forget(): void {
    this.verified.clear();
  }

  private verify(secret: string): K | undefined {
    if (!isWellFormedSecret(secret)) return undefined;
    const digest = hashSecretBytes(secret);
    const prefix = displayPrefix(secret);
    const record = this.records().find(
      (k) => k.prefix === prefix && timingSafeEqual(Buffer.from(k.secretHash, 'hex'), digest),
    );
    if (record) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(secret, record);
    }
    return record;
  }
}
