// The console's records of one function's invocations: the last 200, newest last. An ended
// invocation's payload and response are kept up to 64 KiB.
import type { AwsInvocation } from '../../contract/aws.js';
import { newRequestId } from './aws-identity.js';
import { keptBody, type InvokeInput } from './invocation.js';

/** Invocations kept per function for the console (newest last). */
export const KEPT_INVOCATIONS = 200;

export class InvocationRecords {
  private readonly kept: AwsInvocation[] = [];

  /** A queued invocation's record, kept from now on. */
  create(projectId: string, input: InvokeInput, now: number): AwsInvocation {
    const record: AwsInvocation = {
      requestId: input.requestId ?? newRequestId(),
      project: projectId,
      type: input.type,
      source: input.source,
      state: 'queued',
      coldStart: null,
      container: null,
      receivedAt: now,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      billedDurationMs: null,
      initDurationMs: null,
      maxMemoryUsedMb: null,
      errorType: null,
      errorMessage: null,
      payload: keptBody(input.payload),
      response: null,
      logTail: '',
    };
    this.kept.push(record);
    if (this.kept.length > KEPT_INVOCATIONS) this.kept.splice(0, this.kept.length - KEPT_INVOCATIONS);
    return record;
  }

  /** the newest `limit`, newest first */
  list(limit: number): AwsInvocation[] {
    return this.kept.slice(-limit).reverse();
  }

  find(requestId: string): AwsInvocation | undefined {
    return this.kept.find((r) => r.requestId === requestId);
  }
}
