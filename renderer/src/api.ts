// The console talks to the same HTTP API as curl: console routes with its session cookie, and the
// public run routes, which accept the console session as the owner.
import type { ConsoleRunsResponse, DevStatusResponse } from '../../server/src/contract/dev.js';
import type {
  Compilation,
  CreateKeyResponse,
  Key,
  Project,
  Run,
  RunMode,
  StartRunResponse,
  StatusResponse,
  StopAllResponse,
} from '../../server/src/contract/types.js';
import type {
  AwsConsoleInvokeRequest,
  AwsInvocationResponse,
  AwsInvocationsResponse,
} from '../../server/src/contract/aws.js';
import type { LocalImage } from '../../server/src/contract/types.js';
import type { DebugRunResponse, LoggedRequest } from '../../server/src/contract/types.js';
import type { RunStatsResponse } from '../../server/src/contract/run-diagnostics.js';
import type { Schedule } from '../../server/src/contract/schedules.js';
import type { NetworksResponse } from '../../server/src/contract/networks.js';

export type {
  BuildConfiguration,
  Compilation,
  Diagnostic,
  Key,
  LogChunk,
  Project,
  Run,
  RunMode,
  RunState,
  StatusResponse,
  ExamplePackage,
} from '../../server/src/contract/types.js';
export type { ConsoleRun, DevStatus } from '../../server/src/contract/dev.js';
export type { AwsBody, AwsInvocation } from '../../server/src/contract/aws.js';
export type { FunctionRuntime, LocalImage } from '../../server/src/contract/types.js';
export type { DebugRunResponse, LoggedBody, LoggedRequest } from '../../server/src/contract/types.js';
export type {
  CrashFrame,
  CrashReport,
  RunStatsResponse,
  RunStatsSample,
} from '../../server/src/contract/run-diagnostics.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type SignedOutListener = () => void;
const signedOutListeners = new Set<SignedOutListener>();
export function onSignedOut(listener: SignedOutListener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : {};
  if (!res.ok) {
    const err = parsed as { reason?: string; message?: string };
    if (res.status === 401 && err.reason === 'console_auth_required') signedOutListeners.forEach((l) => l());
    throw new ApiError(res.status, err.reason ?? 'error', err.message ?? err.reason ?? `HTTP ${res.status}`);
  }
  return parsed as T;
}

const enc = encodeURIComponent;

export const api = {
  status: () => request<StatusResponse>('GET', '/console/api/status'),
  allRuns: (filter: { project?: string; state?: string; limit?: number }) => {
    const q = new URLSearchParams();
    if (filter.project) q.set('project', filter.project);
    if (filter.state) q.set('state', filter.state);
    q.set('limit', String(filter.limit ?? 50));
    return request<ConsoleRunsResponse>('GET', `/console/api/runs?${q}`);
  },
  run: (projectId: string, runId: string) =>
    request<{ run: Run }>('GET', `/lambdas/${enc(projectId)}/runs/${enc(runId)}`),
  startRun: (projectId: string, mode: RunMode, args: string[]) =>
    request<StartRunResponse>('POST', `/lambdas/${enc(projectId)}/runs`, { mode, arguments: args }),
  stopRun: (projectId: string, runId: string) =>
    request<{ run: Run }>('POST', `/lambdas/${enc(projectId)}/runs/${enc(runId)}/stop`, {}),
  stopAll: (projectId: string, mode?: RunMode) =>
    request<StopAllResponse>('POST', `/lambdas/${enc(projectId)}/runs/stop`, mode ? { mode } : {}),
  projects: () => request<{ projects: Project[] }>('GET', '/console/api/projects'),
  project: (id: string) => request<{ project: Project }>('GET', `/console/api/projects/${enc(id)}`),
  createProject: (body: Record<string, unknown>) =>
    request<{ project: Project }>('POST', '/console/api/projects', body),
  updateProject: (id: string, body: Record<string, unknown>) =>
    request<{ project: Project }>('PATCH', `/console/api/projects/${enc(id)}`, body),
  compilations: (id: string) =>
    request<{ compilations: Compilation[] }>('GET', `/console/api/projects/${enc(id)}/compilations`),
  build: (id: string) =>
    request<{ compilation: Compilation }>('POST', `/console/api/projects/${enc(id)}/compilations`, {}),
  devStatus: (id: string) => request<DevStatusResponse>('GET', `/console/api/projects/${enc(id)}/dev`),
  keys: () => request<{ keys: Key[] }>('GET', '/console/api/keys'),
  createKey: (body: { name: string; expiresInDays: number | null; projects?: string[] }) =>
    request<CreateKeyResponse>('POST', '/console/api/keys', body),
  revokeKey: (id: string) => request<{ key: Key }>('POST', `/console/api/keys/${enc(id)}/revoke`),
};

export const runLogsUrl = (projectId: string, runId: string) =>
  `/lambdas/${enc(projectId)}/runs/${enc(runId)}/logs?follow=true`;
/** The project's dev URL: whichever service run the development loop serves (docs/api.md#development-loop). */
export const devUrl = (apiUrl: string, projectId: string) => `${apiUrl}/dev/${enc(projectId)}/api/`;
export const instanceUrl = (apiUrl: string, runId: string) => `${apiUrl}/instances/${enc(runId)}/api/`;
export const buildLogsUrl = (projectId: string, compilationId: string) =>
  `/console/api/projects/${enc(projectId)}/compilations/${enc(compilationId)}/logs?follow=true`;

/** The desktop app's preload adds a native folder picker; a browser has none. */
export function desktopFolderPicker(): (() => Promise<string | null>) | null {
  const desktop = (window as unknown as { swiftlambdaDesktop?: { pickFolder(): Promise<string | null> } })
    .swiftlambdaDesktop;
  return desktop ? () => desktop.pickFolder() : null;
}

// The rest of the console: a run with its console fields, projects, images, and AWS Lambda mode's
// invocations (docs/api.md: console API, live data, AWS Lambda mode).
export const consoleApi = {
  startDebugRun: (projectId: string, body: { mode: RunMode; arguments: string[]; runTimeoutSeconds?: number }) =>
    request<DebugRunResponse>('POST', `/console/api/projects/${enc(projectId)}/debug`, body),
  debugOfRun: (runId: string) => request<DebugRunResponse>('GET', `/console/api/runs/${enc(runId)}/debug`),
  run: (runId: string) =>
    request<{ run: ConsoleRunsResponse['runs'][number] }>('GET', `/console/api/runs/${enc(runId)}`),
  deleteProject: (id: string) => request<Record<string, never>>('DELETE', `/console/api/projects/${enc(id)}`),
  packageExecutables: (path: string) =>
    request<{ path: string; executables: string[] }>('GET', `/console/api/packages/executables?path=${enc(path)}`),
  images: () => request<{ images: LocalImage[] }>('GET', '/console/api/images'),
  pullImage: (name: string) =>
    request<{ pulled: string; progress: string[] }>('POST', '/console/api/images/pull', { name }),
  invocations: (projectId: string, limit = 50) =>
    request<AwsInvocationsResponse>('GET', `/console/api/projects/${enc(projectId)}/invocations?limit=${limit}`),
  invocation: (projectId: string, requestId: string) =>
    request<AwsInvocationResponse>('GET', `/console/api/projects/${enc(projectId)}/invocations/${enc(requestId)}`),
  invoke: (projectId: string, body: AwsConsoleInvokeRequest) =>
    request<AwsInvocationResponse>('POST', `/console/api/projects/${enc(projectId)}/invocations`, body),
};

// The run page (docs/api.md#live-data): the calls that reached a run, replaying one, its CPU and memory.
export const runApi = {
  requests: (runId: string, limit = 500) =>
    request<{ requests: LoggedRequest[] }>('GET', `/console/api/runs/${enc(runId)}/requests?limit=${limit}`),
  replay: (runId: string, requestId: string) =>
    request<{ request: LoggedRequest }>(
      'POST',
      `/console/api/runs/${enc(runId)}/requests/${enc(requestId)}/replay`,
      {},
    ),
  stats: (runId: string) => request<RunStatsResponse>('GET', `/console/api/runs/${enc(runId)}/stats`),
};
export const runStatsUrl = (runId: string) => `/console/api/runs/${enc(runId)}/stats?follow=true`;

// A project's schedules: cron one-shot runs.
export type { Schedule } from '../../server/src/contract/schedules.js';
export interface ScheduleInput {
  cron: string;
  timezone?: string;
  arguments?: string[];
  enabled?: boolean;
}
export const scheduleApi = {
  list: (projectId: string) =>
    request<{ schedules: Schedule[] }>('GET', `/console/api/projects/${enc(projectId)}/schedules`),
  create: (projectId: string, body: ScheduleInput) =>
    request<{ schedule: Schedule }>('POST', `/console/api/projects/${enc(projectId)}/schedules`, body),
  update: (projectId: string, id: string, body: Partial<ScheduleInput>) =>
    request<{ schedule: Schedule }>('PATCH', `/console/api/projects/${enc(projectId)}/schedules/${enc(id)}`, body),
  runNow: (projectId: string, id: string) =>
    request<{ schedule: Schedule }>('POST', `/console/api/projects/${enc(projectId)}/schedules/${enc(id)}/run`, {}),
  remove: (projectId: string, id: string) =>
    request<Record<string, never>>('DELETE', `/console/api/projects/${enc(projectId)}/schedules/${enc(id)}`),
};

// Docker networks for the project settings' picker .
export const networksApi = {
  list: () => request<NetworksResponse>('GET', '/console/api/networks'),
};
