import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import { useMemo, useState } from 'react';
import { scheduleApi, type Project, type Schedule } from '../api.js';
import { ErrorNote } from '../components/ui.js';
import { formatRelative, shortId } from '../format.js';
import { useNow, useSchedules } from '../live-data.js';
import { href } from '../router.js';

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** What a cron expression means, and its next three firings, as the console shows them while typing. */
export function readCron(expression: string, timezone: string): { text: string; next: string[] } | { error: string } {
  const trimmed = expression.trim();
  if (!trimmed) return { error: 'Type a cron expression, for example 0 3 * * * (every day at 03:00).' };
  if (!trimmed.startsWith('@') && trimmed.split(/\s+/).length !== 5)
    return { error: 'Five fields: minute hour day-of-month month day-of-week (or @hourly, @daily, @weekly…).' };
  if (timezone) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      return { error: `Unknown time zone “${timezone}”: name one as the IANA database does, such as Europe/Berlin.` };
    }
  }
  try {
    const runs = new Cron(trimmed, { timezone: timezone || undefined, paused: true }).nextRuns(3);
    if (!runs.length) return { error: 'This expression never fires.' };
    const text = trimmed.startsWith('@')
      ? trimmed.slice(1)
      : cronstrue.toString(trimmed, { use24HourTimeFormat: true });
    const zone = timezone || browserZone;
    return {
      text,
      next: runs.map((d) =>
        d.toLocaleString([], { timeZone: zone, hour12: false, dateStyle: 'medium', timeStyle: 'short' }),
      ),
    };
  } catch (err) {
    return { error: (err as Error).message.replace(/^CronPattern: /, '') };
  }
}

/** A project's schedules: one-shot runs of its newest build at the times a cron expression names. */
export function SchedulesPanel({ project }: { project: Project }) {
  const schedules = useSchedules(project.id);
  const list = schedules.data ?? [];
  const now = useNow(30_000);
  const [error, setError] = useState<Error>();
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section className="panel" data-testid="schedules-panel">
      <h2>Schedules</h2>
      <p className="muted small">
        One-shot runs of the newest build at the times a cron expression names, while the emulator runs (firings missed
        while it was not running are not made up).
      </p>
      <ErrorNote error={schedules.error ?? error} testId="schedules-error" />
      {list.length > 0 && (
        <table className="table table-compact" data-testid="schedules-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Next</th>
              <th>Last run</th>
              <th>On</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <ScheduleRow
                key={s.id}
                schedule={s}
                now={now}
                onToggle={() => act(() => scheduleApi.update(project.id, s.id, { enabled: !s.enabled }))}
                onRunNow={() => act(() => scheduleApi.runNow(project.id, s.id))}
                onDelete={() => act(() => scheduleApi.remove(project.id, s.id))}
              />
            ))}
          </tbody>
        </table>
      )}
      <AddSchedule project={project} />
    </section>
  );
}

function ScheduleRow(props: {
  schedule: Schedule;
  now: number;
  onToggle: () => void;
  onRunNow: () => void;
  onDelete: () => void;
}) {
  const { schedule: s, now } = props;
  const reading = readCron(s.cron, s.timezone);
  return (
    <tr data-testid="schedule-row" data-schedule-id={s.id}>
      <td className="wrap-anywhere">
        <code className="mono">{s.cron}</code> <span className="muted small">{s.timezone}</span>
        {'text' in reading && <div className="small">{reading.text}</div>}
        {s.arguments.length > 0 && <div className="mono small muted">{s.arguments.join(' ')}</div>}
      </td>
      <td data-testid="schedule-next">
        {s.nextRunAt ? new Date(s.nextRunAt * 1000).toLocaleString([], { hour12: false }) : '—'}
      </td>
      <td>
        {s.lastRun ? (
          <a
            className="mono"
            href={href({ page: 'run', projectId: s.project, runId: s.lastRun })}
            data-testid="schedule-last-run"
          >
            {shortId(s.lastRun)}
          </a>
        ) : (
          <span className="muted">none yet</span>
        )}
        {s.lastRunAt !== null && <span className="muted small"> {formatRelative(s.lastRunAt, now)}</span>}
        {s.skipped > 0 && <div className="muted small">{s.skipped} skipped (the last run was still live)</div>}
        {s.lastError && (
          <div className="error-text small" data-testid="schedule-last-error">
            {s.lastError}
          </div>
        )}
      </td>
      <td>
        <input
          type="checkbox"
          checked={s.enabled}
          onChange={props.onToggle}
          aria-label={`Schedule ${s.cron} enabled`}
          data-testid="schedule-enabled"
        />
      </td>
      <td className="row-actions">
        <button type="button" className="btn btn-small" onClick={props.onRunNow} data-testid="schedule-run-now">
          Run now
        </button>{' '}
        <button
          type="button"
          className="btn btn-small btn-danger"
          onClick={props.onDelete}
          data-testid="schedule-delete"
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

function AddSchedule({ project }: { project: Project }) {
  const [cron, setCron] = useState('');
  const [timezone, setTimezone] = useState('');
  const [args, setArgs] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const reading = useMemo(() => readCron(cron, timezone), [cron, timezone]);
  const add = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const argumentList = args.split('\n').filter((a) => a.length > 0);
      await scheduleApi.create(project.id, {
        cron,
        ...(timezone ? { timezone } : {}),
        ...(argumentList.length ? { arguments: argumentList } : {}),
      });
      setCron('');
      setArgs('');
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="schedule-form"
      onSubmit={(e) => {
        e.preventDefault();
        void add();
      }}
      data-testid="add-schedule"
    >
      <div className="form-row">
        <label className="field">
          <span className="field-label">Cron</span>
          <input
            className="mono"
            value={cron}
            placeholder="*/15 * * * *"
            onChange={(e) => setCron(e.target.value)}
            data-testid="schedule-cron"
          />
        </label>
        <label className="field">
          <span className="field-label">Time zone</span>
          <input
            value={timezone}
            placeholder={`the machine's (${browserZone})`}
            onChange={(e) => setTimezone(e.target.value)}
            data-testid="schedule-timezone"
          />
        </label>
      </div>
      <label className="field">
        <span className="field-label">Arguments, one a line</span>
        <textarea
          className="mono"
          rows={2}
          value={args}
          onChange={(e) => setArgs(e.target.value)}
          data-testid="schedule-arguments"
        />
      </label>
      <div className="small" aria-live="polite" data-testid="schedule-preview">
        {'error' in reading ? (
          <span className="muted">{reading.error}</span>
        ) : (
          <>
            <strong>{reading.text}</strong>
            <span className="muted"> — next: {reading.next.join(' · ')}</span>
          </>
        )}
      </div>
      <ErrorNote error={error} testId="add-schedule-error" />
      <button type="submit" className="btn" disabled={busy || 'error' in reading} data-testid="schedule-add">
        Add schedule
      </button>
    </form>
  );
}
