import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import type { LoggedRequest } from '../../contract/types.js';
import { AppError } from '../../errors.js';
import { sendError } from '../../http/error-response.js';
import type { LiveRun, RunsService } from '../runs/index.js';
import { CallRecorder } from './call-recorder.js';
import { CallerCredentials } from './credentials.js';
import { isHopByHop, latin1Headers, namedByConnection, rawWithoutHopByHop } from './hop-by-hop.js';
import { OpenCalls, RelayExchange, type RelayOptions } from './relay.js';
import { BodyCapture, RequestLog, RequestRecord } from './request-log.js';

export interface InstanceProxyDeps {
  readonly runs: RunsService;
  /** authorizes the caller for the run's project (throws 401/403 AppErrors) */
  readonly authorize: (req: http.IncomingMessage, projectId: string) => void;
  /** the console token and session cookie name: never forwarded to user code */
  readonly consoleToken: string;
  readonly sessionCookie: string;
  readonly maxBodyBytes: number;
  /** the run a project's dev URL serves now (null: none), or undefined for an unknown project */
  readonly devRunOf: (projectId: string) => string | null | undefined;
}

/** The methods the seed's proxy accepts. */
export const PROXY_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const ALLOW = [...PROXY_METHODS].join(', ');

const PATTERN = /^\/instances\/([^/?#]+)\/api(?=[/?]|$)(.*)$/s;

const DEV_PATTERN = /^\/dev\/([^/?#]+)\/api(?=[/?]|$)(.*)$/s;

/** Which of the two proxied URL shapes a call came through. */
export type ProxyVia = 'instance' | 'dev';

/** `{ id, rest }` of `/instances/{RUN_ID}/api/**` or `/dev/{LAMBDA_ID}/api/**`, else null. */
function matchProxyPath(pattern: RegExp, url: string): { id: string; rest: string } | null {
  const m = pattern.exec(url);
  if (!m) return null;
  let id = m[1]!;
  if (id.includes('%')) {
    try {
      id = decodeURIComponent(id);
    } catch {
      return null;
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

const NAVIGATION_DESTS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);

/**
 * A page the browser is about to show (not a call from curl, an SDK or fetch). Locally the
 * console and user services share one origin, which the hosted platform does not; such pages get
 * a CSP sandbox so they run in an opaque origin and cannot use the console's session.
 */
export function isBrowserNavigation(req: { readonly headers: IncomingHttpHeaders }): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string') return NAVIGATION_DESTS.has(dest);
  return req.headers['sec-fetch-mode'] === 'navigate' || (req.headers['upgrade-insecure-requests'] === '1' && /text\/html/.test(String(req.headers.accept ?? '')));
}

export const SANDBOX_POLICY = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox';

/**
 * Request headers never forwarded as sent: the ones the proxy sets itself (any the caller sent are
 * replaced), the caller's API key, and `Expect` (Node has already answered `100 Continue`).
 */
const DROPPED_REQUEST_HEADERS = new Set(['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix', 'x-api-key', 'expect']);

/**
 * The headers sent to the container, from the caller's raw list (original case, order and
 * duplicates): hop-by-hop headers removed, the caller's credentials dropped, and X-Forwarded-* set,
 * X-Forwarded-For ending with the caller's own address. Host is the upstream's own.
 */
export function upstreamRequestHeaders(req: http.IncomingMessage, credentials: CallerCredentials, prefix: string, contentLength?: number): string[] {
  const raw = req.rawHeaders;
  const named = req.headers.connection === undefined ? null : namedByConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST_HEADERS.has(lower) || isHopByHop(lower, named)) continue;
    if (lower === 'content-length' && contentLength !== undefined) continue;
    if (lower === 'authorization' && credentials.isCredentialAuthorization(value)) continue;
    if (lower === 'cookie') {
      const kept = credentials.cookieWithoutSession(value);
      if (kept !== undefined) out.push(name, kept);
      continue;
    }
    out.push(name, value);
  }
  if (contentLength !== undefined) out.push('content-length', String(contentLength));
  const priorFor = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? '';
  out.push(
    'x-forwarded-for', priorFor ? `${priorFor}, ${peer}` : peer,
    'x-forwarded-host', req.headers.host ?? '',
    'x-forwarded-proto', 'http',
    'x-forwarded-prefix', prefix,
  );
  return out;
}

/** Where a proxied call goes: a running service's published port, until the run's deadline. */
export interface InstanceTarget {
  readonly runId: string;
  readonly hostPort: number;
  /** the path and query after the instance prefix, exactly as received */
  readonly rest: string;
  readonly remainingMs: number;
  /** the URL prefix the caller used, for X-Forwarded-Prefix */
  readonly prefix: string;
}

const SANDBOX_HEADERS = ['Content-Security-Policy', SANDBOX_POLICY] as const;

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
 * Sends calls to run containers: the body limit, the header rules both ways, the run's deadline.
 * The client is undici (Node's own HTTP/1.1 client, the one behind `fetch`), driven through its
 * public dispatch interface with a keep-alive pool per run port (docs/decisions/0001).
 */
export class InstanceUpstream {
  private readonly agent = new Agent({
    connections: 256,
    pipelining: 1,
    // the run's deadline bounds each call (RelayExchange): no idle timeouts of undici's own
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  private readonly open = new OpenCalls();
  private readonly relayOptions: RelayOptions = {
    extraHeaders: (req) => (isBrowserNavigation(req) ? SANDBOX_HEADERS : []),
    unreachable: (code) => ['instance_unreachable', `nothing is accepting connections on the run's port (${code})`],
  };

  constructor(
    private readonly credentials: CallerCredentials,
    private readonly maxBodyBytes: number,
  ) {}

  /** Forwards the call; throws `payload_too_large` for a declared length over the limit. */
  send(req: http.IncomingMessage, res: http.ServerResponse, target: InstanceTarget, recorder: CallRecorder | null): void {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
      throw new AppError('payload_too_large', `request bodies are limited to ${this.maxBodyBytes} bytes`);
    }
    if (req.headers['transfer-encoding'] !== undefined) this.sendBuffered(req, res, target, recorder);
    else this.dispatch(req, res, target, declared > 0 ? (recorder ? captured(req, recorder) : req) : null, recorder);
  }

  /**
   * A chunked body has no declared length: it is read up to the limit first, so that an oversized
   * one gets 413 before the container sees a byte, then forwarded with its length.
   */
  private sendBuffered(req: http.IncomingMessage, res: http.ServerResponse, target: InstanceTarget, recorder: CallRecorder | null): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        if (recorder) recorder.reason = 'payload_too_large';
        sendError(res, 'payload_too_large', `request bodies are limited to ${this.maxBodyBytes} bytes`, { close: true });
        return;
      }
      chunks.push(chunk);
      recorder?.request.add(chunk);
    });
    req.on('end', () => {
      if (!refused) this.dispatch(req, res, target, Buffer.concat(chunks), recorder);
    });
    req.on('error', () => res.destroy());
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, target: InstanceTarget, body: Buffer | AsyncIterable<Buffer> | null, recorder: CallRecorder | null): void {
    const headers = upstreamRequestHeaders(req, this.credentials, target.prefix, Buffer.isBuffer(body) ? body.length : undefined);
    const exchange = new RelayExchange(req, res, this.relayOptions, this.open.of(target.runId, target.remainingMs), recorder);
    // undici sends async iterables as streamed bodies (its types list only Readable)
    const upstreamBody = body as Dispatcher.DispatchOptions['body'];
    this.agent.dispatch({ origin: `http://127.0.0.1:${target.hostPort}`, method: req.method ?? 'GET', path: target.rest, headers, body: upstreamBody }, exchange);
  }

  /** Resolves once no call to `runId` is open. */
  whenIdle(runId: string): Promise<void> {
    return this.open.whenIdle(runId);
  }

  /** Sends a logged call again (its body whole) and reads the answer, keeping up to the log's cap. */
  async resend(hostPort: number, method: string, path: string, headers: Array<[string, string]>, body: Buffer | null): Promise<{ status: number; headers: Array<[string, string]>; body: BodyCapture; durationMs: number }> {
    const started = Date.now();
    const res = await this.agent.request({ origin: `http://127.0.0.1:${hostPort}`, method: method as Dispatcher.HttpMethod, path, headers: headers.flat(), body });
    const capture = new BodyCapture();
    for await (const chunk of res.body) capture.add(chunk as Buffer);
    const raw = rawWithoutHopByHop(latin1Headers((res as unknown as { rawHeaders?: Buffer[] }).rawHeaders ?? Object.entries(res.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, String(v)]))));
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    return { status: res.statusCode, headers: pairs, body: capture, durationMs: Date.now() - started };
  }

  close(): void {
    this.open.close();
    void this.agent.destroy().catch(() => undefined);
  }
}

/**
 * `/instances/{RUN_ID}/api/**` → the service run's container, as the seed describes: the seed's
 * seven methods, the prefix stripped, query and body unchanged, hop-by-hop headers removed both
 * ways, the caller's credentials never forwarded, X-Forwarded-* set, and the upstream's answer
 * returned as it is. Each call may last until the run's deadline.
 */
export class InstanceProxy {
  private readonly upstream: InstanceUpstream;
  private readonly credentials: CallerCredentials;
  /** every call that reached a run, for the console (SPEC §10) */
  readonly requests = new RequestLog();

  constructor(private readonly deps: InstanceProxyDeps) {
    this.credentials = new CallerCredentials(deps.consoleToken, deps.sessionCookie);
    this.upstream = new InstanceUpstream(this.credentials, deps.maxBodyBytes);
  }

  /** Handles the request when its URL is an instance or a dev URL; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '';
    const instance = url.startsWith('/instances/') ? matchInstancePath(url) : null;
    if (instance) {
      this.route(req, res, { runId: instance.runId, rest: instance.rest, prefix: `/instances/${instance.runId}/api`, via: 'instance' }, true);
      return true;
    }
    const dev = url.startsWith('/dev/') ? matchDevPath(url) : null;
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

  /** Runs `fn`, answering what it throws with the seed's error body. */
  private fail(res: http.ServerResponse, fn: () => void, call?: ProxyCall): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof AppError && call?.recorder) call.recorder.reason = err.reason;
      if (err instanceof AppError) {
        sendError(res, err.reason, err.message, {
          consoleToken: this.deps.consoleToken,
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
    call.recorder ??= new CallRecorder(this.requests, runId, req, res, rest, call.via, this.credentials);
    // Node hands an Upgrade request to the request handler when no 'upgrade' listener is set
    if (req.headers.upgrade !== undefined) throw new AppError('unsupported_protocol', 'the proxy does not forward WebSocket or other upgraded protocols');
    const { run } = record;
    if (!run.publicAccess) this.deps.authorize(req, run.project);
    if (run.mode !== 'service') throw new AppError('instance_not_servable', 'the run was started in oneShot mode and has no HTTP server');
    const live = this.deps.runs.liveRun(runId);
    if (run.state === 'queued' && live && mayWait) {
      this.holdUntilStarted(req, res, call, live);
      return;
    }
    if (run.state !== 'running' || !run.hostPort || !live) throw new AppError('instance_not_running', `the run is ${run.state}`);
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
   * Sends a logged call to its run again, as it was sent but for the redacted credentials (the
   * console is the caller), and returns the new record.
   */
  async replay(runId: string, id: string): Promise<LoggedRequest> {
    const logged = this.requests.get(runId, id);
    if (!logged) throw new AppError('request_not_found', `no logged call ${id} for run ${runId}`);
    if (logged.requestBody === null && logged.requestBytes > 0) {
      throw new AppError('request_not_replayable', 'the request body was larger than the log keeps (64 KiB)');
    }
    const run = this.deps.runs.find(runId)?.run;
    if (!run || run.state !== 'running' || !run.hostPort) throw new AppError('instance_not_running', `the run is ${run?.state ?? 'gone'}`);
    const headers = logged.requestHeaders.filter(([name, value]) => value !== '[redacted]' && !REPLAY_DROPPED.has(name.toLowerCase()) && !isHopByHop(name.toLowerCase(), null));
    headers.push(['x-forwarded-for', '127.0.0.1'], ['x-forwarded-proto', 'http'], ['x-forwarded-prefix', logged.via === 'dev' ? `/dev/${run.project}/api` : `/instances/${runId}/api`]);
    const body = logged.requestBody === null ? null : 'text' in logged.requestBody ? Buffer.from(logged.requestBody.text) : Buffer.from(logged.requestBody.base64, 'base64');
    const path = logged.query ? `${logged.path}?${logged.query}` : logged.path;
    const started = Date.now();
    const sent = new BodyCapture();
    if (body) sent.add(body);
    let answer: Awaited<ReturnType<InstanceUpstream['resend']>> | null = null;
    let reason: string | null = null;
    try {
      answer = await this.upstream.resend(run.hostPort, logged.method, path, headers, body && body.length ? body : null);
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
      () => ({ requestHeaders: logged.requestHeaders, requestBody: logged.requestBody, responseHeaders: answer?.headers ?? [], responseBody: answer?.body.body() ?? null }),
    );
    this.requests.add(runId, record);
    return record.full();
  }

  close(): void {
    this.upstream.close();
  }
}

/** Headers a replay does not send as logged: the ones undici and the replay set themselves. */
const REPLAY_DROPPED = new Set(['host', 'content-length', 'expect', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix']);

/** The caller's body as it streams to the container, with the request log taking its copy. */
async function* captured(req: http.IncomingMessage, recorder: CallRecorder): AsyncIterable<Buffer> {
  for await (const chunk of req) {
    recorder.request.add(chunk as Buffer);
    yield chunk as Buffer;
  }
}
