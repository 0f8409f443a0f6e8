import { createHash } from 'node:crypto';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import type { IdempotencyRecord } from '../../domain/records.js';
import { AppError } from '../../errors.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface KeptAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The `Idempotency-Key` header's value, or undefined; 400 `invalid_idempotency_key` when unusable. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0]! : header;
  if (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(value))
    throw new AppError(
      'invalid_idempotency_key',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`,
    );
  return value;
}

/** What makes two requests "the same": the route's target and the parsed body, not its spacing. */
export function requestFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Answers of `POST /lambdas/{id}/runs` kept by their Idempotency-Key (per caller, for 24 hours, in
 * the store so that they survive a restart). The same key and body answer the kept answer again;
 * the same key with another body is 409 `idempotency_key_reused`. Only successes are kept: a
 * refused request may be retried with the same key once its cause is fixed. A retry that arrives
 * while the first is still being answered waits for it.
 */
export class IdempotencyKeys {
  private readonly inFlight = new Map<string, { fingerprint: string; answer: Promise<KeptAnswer> }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    store.data.idempotency ??= [];
  }

  private get records(): IdempotencyRecord[] {
    return (this.store.data.idempotency ??= []);
  }

  async answer(
    owner: string,
    key: string,
    fingerprint: string,
    work: () => Promise<KeptAnswer>,
  ): Promise<KeptAnswer & { replayed: boolean }> {
    const id = `${owner}\n${key}`;
    const now = this.clock.now();
    const kept = this.records.find((r) => r.owner === owner && r.key === key && now - r.at < IDEMPOTENCY_TTL_MS);
    const pending = this.inFlight.get(id);
    const seen = kept?.fingerprint ?? pending?.fingerprint;
    if (seen !== undefined && seen !== fingerprint)
      throw new AppError(
        'idempotency_key_reused',
        'this Idempotency-Key was used with another request in the last 24 hours: use a new key for a new request',
      );
    if (kept) return { status: kept.status, body: kept.body, replayed: true };
    if (pending) return { ...(await pending.answer), replayed: true };

    const answer = work();
    this.inFlight.set(id, { fingerprint, answer });
    try {
      const result = await answer;
      this.keep({ owner, key, fingerprint, status: result.status, body: result.body, at: now });
      // the run is started and stored already; a failed write here only delays keeping the key
      await this.store.commit().catch(() => undefined);
      return { ...result, replayed: false };
    } finally {
      this.inFlight.delete(id);
    }
  }

  /** Adds a record and forgets expired ones (they are written with the next commit). */
  private keep(record: IdempotencyRecord): void {
    const fresh = this.records.filter((r) => record.at - r.at < IDEMPOTENCY_TTL_MS);
    fresh.push(record);
    this.store.data.idempotency = fresh;
  }
}
