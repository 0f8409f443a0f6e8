import type http from 'node:http';
import type { LoggedRequest } from '../../contract/types.js';
import { REDACTED, type Redactor } from '../../domain/redact.js';
import { AppError } from '../../errors.js';
import { sendError } from '../../http/error-response.js';
import type { LiveRun, RunsService } from '../runs/index.js';
import { CallRecorder, redactedBody } from './call-recorder.js';
import { CallerCredentials } from './credentials.js';
import { isHopByHop } from './hop-by-hop.js';
import { BodyCapture, RequestLog, RequestRecord } from './request-log.js';
import { InstanceUpstream } from './upstream.js';

export interface InstanceProxyDeps {
  readonly runs: RunsService;
  /** authorizes the caller for the run's project (throws 401/403 AppErrors) */
  readonly authorize: (req: http.IncomingMessage, projectId: string) => void;
  /** knows the console token (never forwarded to user code) and masks secrets in errors and the request log */
  readonly redactor: Redactor;
  /** the session cookie's name: never forwarded to user code */
  readonly sessionCookie: string;
  readonly maxBodyBytes: number;
  /** the run a project's dev URL serves now (null: none), or undefined for an unknown project */
  readonly devRunOf: (projectId: string) => string | null | undefined;
}

/** The methods the hosted platform's proxy accepts (docs/api.md#the-proxy). */
export const PROXY_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const ALLOW = [...PROXY_METHODS].join(', ');

const PATTERN = /^\/instances\/([^/?#]+)\/api(?=[/?]|$)(.*)$/s;

const DEV_PATTERN = /^\/dev\/([^/?#]+)\/api(?=[/?]|$)(.*)$/s;

/** Which of the two proxied URL shapes a call came through. */
export type ProxyVia = 'instance' | 'dev';

/**
 * `{ id, rest }` of a URL `pattern` matches (`/instances/{RUN_ID}/api/**`, `/dev/{LAMBDA_ID}/api/**`,
 * `/lambda-url/{LAMBDA_ID}/**`: the id, then the rest), else null; `rest` is `/` when empty; throws
 * `malformed_path` when the id does not decode.
 */
export function matchProxyPath(pattern: RegExp, url: string): { id: string; rest: string } | null {
  const m = pattern.exec(url);
  if (!m) return null;
  let id = m[1]!;
  if (id.includes('%')) {
    try {
      id = decodeURIComponent(id);
    } catch {
      throw new AppError('malformed_path', 'the id in the path is not valid percent-encoded UTF-8');
    }
  }
  let rest = m[2]!;
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  return { id, rest };
}

export function matchInstancePath(url: string): { runId: string; rest: string } | null {
  const m = matchProxyPath(PATTERN, url);
  return m && { runId: m.id, rest: m.rest };
}

export function matchDevPath(url: string): { projectId: string; rest: string } | null {
  const m = matchProxyPath(DEV_PATTERN, url);
  return m && { projectId: m.id, rest: m.rest };
}

/** One proxied call's route: the run, the path after the prefix, and the URL shape it came by. */
interface ProxyCall {
  readonly runId: string;
  readonly rest: string;
  readonly prefix: string;
  readonly via: ProxyVia;
  /** made once the run is known, so the request log sees the call whatever its answer */
  recorder?: CallRecorder;
}

/**
 * `/instances/{RUN_ID}/api/**` → the service run's container, as docs/api.md#the-proxy describes: the
 * seven methods, the prefix stripped, query and body unchanged, hop-by-hop headers removed both
 * ways, the caller's credentials never forwarded, X-Forwarded-* set, and the upstream's answer
 * returned as it is. Each call may last until the run's deadline.
 */
export class InstanceProxy {
  private readonly upstream: InstanceUpstream;
  private readonly credentials: CallerCredentials;
  /** every call that reached a run, for the console (docs/api.md#live-data) */
  readonly requests = new RequestLog();

  constructor(private readonly deps: InstanceProxyDeps) {
    this.credentials = new CallerCredentials(deps.redactor.consoleToken, deps.sessionCookie);
    this.upstream = new InstanceUpstream(this.credentials, deps.maxBodyBytes);
  }

  /** Handles the request when its URL is an instance or a dev URL; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '';
    let instance: ReturnType<typeof matchInstancePath> = null;
    let dev: ReturnType<typeof matchDevPath> = null;
    try {
      instance = url.startsWith('/instances/') ? matchInstancePath(url) : null;
      dev = !instance && url.startsWith('/dev/') ? matchDevPath(url) : null;
    } catch (err) {
      this.fail(res, () => {
        throw err;
      });
      return true;
    }
    if (instance) {
      this.route(
        req,
        res,
        { runId: instance.runId, rest: instance.rest, prefix: `/instances/${instance.runId}/api`, via: 'instance' },
        true,
      );
      return true;
    }
    if (dev) {
      this.routeDev(req, res, dev.projectId, dev.rest);
      return true;
    }
    return false;
  }

  /** Resolves once no proxied call to `runId` is open. */
  whenIdle(runId: string): Promise<void> {
    return this.upstream.whenIdle(runId);
  }

  /**
   * `/dev/{LAMBDA_ID}/api/**`: the same rules as the run's own URL, sent to the run the project's
   * dev URL serves now (the newest service run, or the one a hot swap moved it to).
   */
  private routeDev(req: http.IncomingMessage, res: http.ServerResponse, projectId: string, rest: string): void {
    const prefix = `/dev/${projectId}/api`;
    const runId = this.deps.devRunOf(projectId);
    if (runId === undefined || runId === null) {
      this.fail(res, () => {
        if (!PROXY_METHODS.has(req.method ?? '')) throw new AppError('method_not_allowed', `the proxy takes ${ALLOW}`);
        if (runId === undefined) throw new AppError('project_not_found', `no project with id ${projectId}`);
        this.deps.authorize(req, projectId);
        throw new AppError('instance_not_running', 'the project has no service run to serve its dev URL; start one');
      });
      return;
    }
    this.route(req, res, { runId, rest, prefix, via: 'dev' }, true);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, call: ProxyCall, mayWait: boolean): void {
    this.fail(res, () => this.forward(req, res, call, mayWait), call);
  }

  /** Runs `fn`, answering what it throws with the `{ error, reason }` body. */
  private fail(res: http.ServerResponse, fn: () => void, call?: ProxyCall): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof AppError && call?.recorder) call.recorder.reason = err.reason;
      if (err instanceof AppError) {
        sendError(res, err.reason, err.message, {
          redactor: this.deps.redactor,
          headers: err.reason === 'method_not_allowed' ? { allow: ALLOW } : undefined,
          // a client that asked to switch protocols is not left guessing what the connection speaks
          close: err.reason === 'unsupported_protocol',
        });
      } else {
        sendError(res, 'internal_error', 'the proxy failed');
      }
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, call: ProxyCall, mayWait: boolean): void {
    const { runId, rest, prefix } = call;
    if (!PROXY_METHODS.has(req.method ?? '')) throw new AppError('method_not_allowed', `the proxy takes ${ALLOW}`);
    const record = this.deps.runs.find(runId);
    if (!record) throw new AppError('instance_not_found', `no run with id ${runId}`);
    call.recorder ??= new CallRecorder(this.requests, runId, req, res, rest, call.via, this.deps);
    // Node hands an Upgrade request to the request handler when no 'upgrade' listener is set
    if (req.headers.upgrade !== undefined)
      throw new AppError('unsupported_protocol', 'the proxy does not forward WebSocket or other upgraded protocols');
    const { run } = record;
    if (!run.publicAccess) this.deps.authorize(req, run.project);
    if (run.mode !== 'service')
      throw new AppError('instance_not_servable', 'the run was started in oneShot mode and has no HTTP server');
    const live = this.deps.runs.liveRun(runId);
    if (run.state === 'queued' && live && mayWait) {
      this.holdUntilStarted(req, res, call, live);
      return;
    }
    if (run.state !== 'running' || !run.hostPort || !live)
      throw new AppError('instance_not_running', `the run is ${run.state}`);
    const remainingMs = live.msUntilDeadline() ?? 0;
    if (remainingMs <= 0) throw new AppError('instance_timeout', 'the run has reached its deadline');
    this.upstream.send(req, res, { runId, hostPort: run.hostPort, rest, remainingMs, prefix }, call.recorder);
  }

  /**
   * A call to a run still `queued` (its container being created and started) waits for it, as an
   * invocation waits through a cold start in SAM local, instead of making the caller poll through
   * `docker start`; then it goes on as any call. The wait is bounded by the run's timeout, and ends
   * if the caller goes away.
   */
  private holdUntilStarted(req: http.IncomingMessage, res: http.ServerResponse, call: ProxyCall, live: LiveRun): void {
    let gone = false;
    const onClose = () => (gone = true);
    res.once('close', onClose);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), live.record.run.runTimeoutSeconds * 1000);
      timer.unref();
    });
    void Promise.race([live.started.then(() => false), timedOut]).then((expired) => {
      clearTimeout(timer);
      res.off('close', onClose);
      if (gone) return;
      if (expired) {
        sendError(res, 'instance_timeout', 'the run did not start within its timeout');
        return;
      }
      this.route(req, res, call, false);
    });
  }

  /**
   * Sends a logged call to its run again, as it was sent but for what the log redacted (left out,
   * never sent as `[redacted]`: the console is the caller), and returns the new record.
   */
  async replay(runId: string, id: string): Promise<LoggedRequest> {
    const logged = this.requests.get(runId, id);
    if (!logged) throw new AppError('request_not_found', `no logged call ${id} for run ${runId}`);
    if (logged.requestBody === null && logged.requestBytes > 0) {
      throw new AppError('request_not_replayable', 'the request body was larger than the log keeps (64 KiB)');
    }
    const run = this.deps.runs.find(runId)?.run;
    if (!run || run.state !== 'running' || !run.hostPort)
      throw new AppError('instance_not_running', `the run is ${run?.state ?? 'gone'}`);
    const headers = withoutRedacted(logged.requestHeaders).filter(
      ([name]) => !REPLAY_DROPPED.has(name.toLowerCase()) && !isHopByHop(name.toLowerCase(), null),
    );
    headers.push(
      ['x-forwarded-for', '127.0.0.1'],
      ['x-forwarded-proto', 'http'],
      ['x-forwarded-prefix', logged.via === 'dev' ? `/dev/${run.project}/api` : `/instances/${runId}/api`],
    );
    const body =
      logged.requestBody === null
        ? null
        : 'text' in logged.requestBody
          ? Buffer.from(logged.requestBody.text)
          : Buffer.from(logged.requestBody.base64, 'base64');
    const query = logged.query
      .split('&')
      .filter((part) => !part.includes(REDACTED))
      .join('&');
    const path = query ? `${logged.path}?${query}` : logged.path;
    const started = Date.now();
    const sent = new BodyCapture();
    if (body) sent.add(body);
    let answer: Awaited<ReturnType<InstanceUpstream['resend']>> | null = null;
    let reason: string | null = null;
    try {
      answer = await this.upstream.resend(
        run.hostPort,
        logged.method,
        path,
        headers,
        body && body.length ? body : null,
      );
    } catch {
      reason = 'instance_unreachable';
    }
    const record = new RequestRecord(
      {
        id: this.requests.newId(),
        at: started,
        method: logged.method,
        path: logged.path,
        query: logged.query,
        status: answer?.status ?? 0,
        durationMs: answer?.durationMs ?? Date.now() - started,
        requestBytes: sent.bytes,
        responseBytes: answer?.body.bytes ?? 0,
        reason,
        via: logged.via,
      },
      () => ({
        requestHeaders: logged.requestHeaders,
        requestBody: logged.requestBody,
        responseHeaders: answer?.headers ?? [],
        responseBody: redactedBody(answer?.body.body() ?? null, this.deps.redactor),
      }),
    );
    this.requests.add(runId, record);
    return record.full();
  }

  close(): void {
    this.upstream.close();
  }
}

/** Logged headers without what the log redacted: whole headers, and redacted pairs of a Cookie. */
function withoutRedacted(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    if (!value.includes(REDACTED)) out.push([name, value]);
    else if (name.toLowerCase() === 'cookie') {
      const kept = value
        .split(';')
        .map((pair) => pair.trim())
        .filter((pair) => pair !== '' && !pair.includes(REDACTED));
      if (kept.length) out.push([name, kept.join('; ')]);
    }
  }
  return out;
}

/** Headers a replay does not send as logged: the ones undici and the replay set themselves. */
const REPLAY_DROPPED = new Set([
  'host',
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-prefix',
]);
