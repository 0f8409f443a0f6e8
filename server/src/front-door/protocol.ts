// What the main thread and the front door's worker say to each other (see front-door.ts).
import type { MatchableKey } from '../modules/keys/key-matcher.js';

/** A running service the front door may call directly. */
export interface Route {
  readonly runId: string;
  readonly project: string;
  readonly publicAccess: boolean;
  readonly hostPort: number;
  /** the run's deadline, in ms on the main thread's clock */
  readonly deadlineAt: number;
}

/** What the front door needs to answer calls to running services on its own. */
export interface DataPlaneState {
  readonly routes: readonly Route[];
  readonly keys: readonly MatchableKey[];
  /** the main thread's clock minus the system clock, in whole seconds' worth of ms (0 but in tests) */
  readonly clockOffsetMs: number;
}

/** Sent with the first `listen`: the worker starts before the server knows any of this. */
export interface FrontDoorConfig {
  readonly host: string;
  /** the main thread's private socket, where every call the front door does not answer goes */
  readonly socketPath: string;
  readonly consoleToken: string;
  readonly sessionCookie: string;
  readonly maxBodyBytes: number;
  /** one Int32: the sequence number of the last state the main thread has sent */
  readonly sent: SharedArrayBuffer;
}

export type ToWorker =
  | { readonly type: 'listen'; readonly port: number; readonly config: FrontDoorConfig }
  | { readonly type: 'serve' }
  /** `routes` and `keys` are JSON, present when they changed */
  | { readonly type: 'state'; readonly seq: number; readonly routes?: string; readonly keys?: string; readonly clockOffsetMs: number }
  | { readonly type: 'stats' }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'listening'; readonly address: string; readonly family: string; readonly port: number }
  | { readonly type: 'listen-failed'; readonly code: string | undefined; readonly message: string }
  | { readonly type: 'key-used'; readonly id: string }
  /** what the fast lane has done (null when Node's server serves every connection) */
  | { readonly type: 'stats'; readonly lane: FrontDoorStats | null }
  | { readonly type: 'closed' };

export interface FrontDoorStats {
  /** calls the fast lane sent to containers */
  readonly proxied: number;
  /** requests it sent to the main thread */
  readonly relayed: number;
  /** connections it gave to Node's HTTP server */
  readonly handedOver: number;
}
