import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { Key } from '../../contract/types.js';
import type { KeyRecord } from '../../domain/records.js';
import { AppError } from '../../errors.js';
import { displayPrefix, generateSecret, hashSecret } from '../../domain/key-format.js';
import { authorizeKeyForProject, KeyMatcher, LAST_USED_WRITE_INTERVAL_S, type KeyAuthority } from './key-matcher.js';

export interface CreateKeyInput {
  readonly name: string;
  readonly expiresInDays: number | null;
  readonly projects: readonly string[] | null;
}

export function toPublicKey(record: KeyRecord): Key {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    projects: record.projects ? [...record.projects] : null,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt,
  };
}

/**
 * API keys: created with a secret shown once, stored as SHA-256 only, checked on every public
 * request. Emits `revoked` (key id) so open log streams of that key can be closed.
 */
export class KeysService extends EventEmitter<{ revoked: [string] }> implements KeyAuthority {
  private readonly matcher: KeyMatcher<KeyRecord>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly projectExists: (id: string) => boolean,
  ) {
    super();
    this.matcher = new KeyMatcher(() => this.store.data.keys);
  }

  async create(input: CreateKeyInput): Promise<{ key: Key; secret: string }> {
    const unknown = (input.projects ?? []).filter((id) => !this.projectExists(id));
    if (unknown.length) throw new AppError('unknown_project', `no project with id ${unknown.join(', ')}`);
    const secret = generateSecret();
    const now = unixSeconds(this.clock.now());
    const record: KeyRecord = {
      id: randomUUID(),
      name: input.name,
      prefix: displayPrefix(secret),
      createdAt: now,
      expiresAt: input.expiresInDays === null ? null : now + input.expiresInDays * 86400,
      projects: input.projects && input.projects.length ? [...new Set(input.projects)] : null,
      revokedAt: null,
      lastUsedAt: null,
      secretHash: hashSecret(secret),
    };
    await this.store.transact(() => this.store.data.keys.push(record));
    return { key: toPublicKey(record), secret };
  }

  list(): Key[] {
    return this.store.data.keys.map(toPublicKey).sort((a, b) => b.createdAt - a.createdAt);
  }

  async revoke(id: string): Promise<Key> {
    const record = this.store.data.keys.find((k) => k.id === id);
    if (!record) throw new AppError('key_not_found', `no API key with id ${id}`);
    if (record.revokedAt === null) {
      await this.store.transact(() => (record.revokedAt = unixSeconds(this.clock.now())), [record]);
      this.emit('revoked', record.id);
    }
    return toPublicKey(record);
  }

  /** The key record for a presented secret, or a 401 reason (see KeyMatcher). */
  authenticate(secret: string | undefined): KeyRecord {
    const now = unixSeconds(this.clock.now());
    const record = this.matcher.authenticate(secret, now);
    this.touch(record, now);
    return record;
  }

  authorizeProject(record: KeyRecord, projectId: string): void {
    authorizeKeyForProject(record, projectId);
  }

  /** A call the front door let in with this key (it checks keys on its own copy). */
  recordUse(id: string): void {
    const record = this.store.data.keys.find((k) => k.id === id);
    if (record) this.touch(record, unixSeconds(this.clock.now()));
  }

  /** lastUsedAt is kept to the minute; the write rides on the next commit or a lazy one. */
  private touch(record: KeyRecord, now: number): void {
    if (record.lastUsedAt !== null && now - record.lastUsedAt < LAST_USED_WRITE_INTERVAL_S) return;
    record.lastUsedAt = now;
    void this.store.commit().catch(() => undefined);
  }
}
