// `swiftlambda schedule add|ls|rm|enable|disable`: a project's schedules (cron one-shot runs).
import type { Schedule } from '../contract/schedules.js';
import { call, CliError, type Connection } from './client.js';
import { resolveProjectRef } from './info-commands.js';
import type { Output } from './output.js';
import { table } from './run-commands.js';

const usage = (command: string, what: string[]) =>
  what.map((line, i) => `${(i === 0 ? command : '').padEnd(67)}${line}`).join('\n  ');
export const SCHEDULE_USAGE = [
  usage('schedule add LAMBDA_ID CRON [--timezone TZ] [-- ARGS...]', [
    'a one-shot run at every firing of CRON (five fields',
    "or @hourly…), in TZ or the machine's time zone",
  ]),
  usage('schedule ls LAMBDA_ID', ["the project's schedules with their next and last firings"]),
  usage('schedule rm|enable|disable LAMBDA_ID SCHEDULE_ID', ['delete a schedule, turn it on or off']),
].join('\n  ');

const time = (s: number | null) => (s ? new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) : '-');

export async function scheduleCommand(
  conn: Connection,
  out: Output,
  positionals: string[],
  options: { timezone?: string | undefined },
): Promise<number> {
  const [, sub, projectRef, third] = positionals;
  if (!sub || !['add', 'ls', 'rm', 'enable', 'disable'].includes(sub))
    throw new CliError(`schedule needs add, ls, rm, enable or disable:\n  ${SCHEDULE_USAGE}`);
  if (!projectRef)
    throw new CliError(`schedule ${sub} needs a LAMBDA_ID or a project name (\`swiftlambda projects list\`)`);
  const projectId = await resolveProjectRef(conn, projectRef);
  const base = `/console/api/projects/${encodeURIComponent(projectId)}/schedules`;

  if (sub === 'ls') {
    const listed = await call<{ schedules: Schedule[] }>(conn, 'GET', base);
    out.data(listed);
    out.text(
      table([
        ['ID', 'CRON', 'TIMEZONE', 'ON', 'NEXT', 'LAST RUN', 'SKIPPED', 'ARGUMENTS'],
        ...listed.schedules.map((s) => [
          s.id,
          s.cron,
          s.timezone,
          s.enabled ? 'yes' : 'no',
          time(s.nextRunAt),
          s.lastRun ? `${s.lastRun.slice(0, 8)} ${time(s.lastRunAt)}` : '-',
          String(s.skipped),
          s.arguments.join(' '),
        ]),
      ]),
    );
    return 0;
  }
  if (sub === 'add') {
    if (!third)
      throw new CliError(`schedule add needs a cron expression: swiftlambda schedule add ${projectId} "0 3 * * *"`);
    const body = {
      cron: third,
      ...(options.timezone ? { timezone: options.timezone } : {}),
      arguments: positionals.slice(4),
    };
    const created = await call<{ schedule: Schedule }>(conn, 'POST', base, body);
    out.data(created);
    const s = created.schedule;
    out.text(`created schedule ${s.id}: ${s.cron} (${s.timezone}), next run ${time(s.nextRunAt)} UTC\n`);
    return 0;
  }
  if (!third) throw new CliError(`schedule ${sub} needs a SCHEDULE_ID (\`swiftlambda schedule ls ${projectId}\`)`);
  const path = `${base}/${encodeURIComponent(third)}`;
  if (sub === 'rm') {
    await call(conn, 'DELETE', path);
    out.data({ deleted: third });
    out.text(`deleted schedule ${third}\n`);
    return 0;
  }
  const changed = await call<{ schedule: Schedule }>(conn, 'PATCH', path, { enabled: sub === 'enable' });
  out.data(changed);
  out.text(`schedule ${third} is ${changed.schedule.enabled ? 'on' : 'off'}\n`);
  return 0;
}
