// AWS's names for a function: its name, ARN, log group and stream, request and trace ids.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Project } from '../../contract/types.js';

export const AWS_REGION = 'us-east-1';
/** the account id SAM local and LocalStack use for local functions */
export const AWS_ACCOUNT_ID = '000000000000';
export const LATEST = '$LATEST';

/** AWS's function-name alphabet (letters, digits, `-`, `_`, at most 64): other characters become `-`. */
export function functionNameOf(project: Pick<Project, 'name'>): string {
  return project.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'function';
}

export function functionArn(name: string): string {
  return `arn:aws:lambda:${AWS_REGION}:${AWS_ACCOUNT_ID}:function:${name}`;
}

export function logGroupName(name: string): string {
  return `/aws/lambda/${name}`;
}

/** `2026/12/01/[$LATEST]<32 hex>`, as AWS names an execution environment's log stream. */
export function newLogStreamName(nowMs: number): string {
  const d = new Date(nowMs).toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/[${LATEST}]${randomBytes(16).toString('hex')}`;
}

export function newRequestId(): string {
  return randomUUID();
}

/** An X-Ray header, `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0`. */
export function newTraceId(nowMs: number): string {
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

/**
 * What the Invoke path names: a function name, a LAMBDA_ID, a full or partial ARN
 * (`arn:aws:lambda:…:function:NAME`, `ACCOUNT:function:NAME`), each with an optional `:QUALIFIER`.
 */
export function parseFunctionRef(ref: string): { name: string; qualifier: string | null } {
  let rest = ref;
  const arn = /^arn:aws[a-z-]*:lambda:[a-z0-9-]*:\d*:function:(.+)$/.exec(rest);
  if (arn) rest = arn[1]!;
  else {
    const partial = /^\d{12}:function:(.+)$/.exec(rest);
    if (partial) rest = partial[1]!;
  }
  const colon = rest.indexOf(':');
  return colon === -1
    ? { name: rest, qualifier: null }
    : { name: rest.slice(0, colon), qualifier: rest.slice(colon + 1) };
}

/** The project a function name or LAMBDA_ID names: the id first, then the AWS name, case-insensitively. */
export function findFunctionProject(projects: readonly Project[], name: string): Project | undefined {
  const byId = projects.find((p) => p.id === name);
  if (byId) return byId;
  const lower = name.toLowerCase();
  return projects.find((p) => functionNameOf(p).toLowerCase() === lower);
}

/** An AWS Signature V4 `Authorization` header (any credentials: SAM local accepts them all). */
export function isSigV4Authorization(value: string | undefined): boolean {
  return value !== undefined && /^AWS4-HMAC-SHA256\s+Credential=/i.test(value.trim());
}
