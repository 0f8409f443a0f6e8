// undici's index also loads fetch, WebSocket, caches and more: about 85 ms at start-up, paid by the
// main thread and again by the front door's worker. The proxy needs only two dispatchers, so they
// are loaded from their own files (undici is pinned in package-lock.json; a moved file fails every
// proxy test at once).
import type { Agent as AgentClass, Pool as PoolClass } from 'undici';
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import PoolImpl from 'undici/lib/dispatcher/pool.js';

export const Agent = AgentImpl as typeof AgentClass;
export const Pool = PoolImpl as typeof PoolClass;
export type Agent = AgentClass;
export type Pool = PoolClass;
