import { randomUUID } from 'node:crypto';
import type { Cron } from 'croner';
import type { Store } from '../../adapters/store/store.js';
import { unixSeconds, type Clock } from '../../clock.js';
import type { Schedule } from '../../contract/schedules.js';
import type { ScheduleRecord } from '../../domain/records.js';
import { isTerminal } from '../../domain/run-states.js';
import { AppError, errorMessage } from '../../errors.js';
import type { ProjectsService } from '../projects/index.js';
import type { RunsService } from '../runs/index.js';
import { armCron, checkCron, checkTimezone, machineTimezone } from './cron-expression.js';

export const MAX_SCHEDULES_PER_PROJECT = 20;

export interface ScheduleInput {
  readonly cron: string;
  readonly timezone?: string | undefined;
  readonly arguments?: string[] | undefined;
  readonly enabled?: boolean | undefined;
}

export interface SchedulesDeps {
  readonly store: Store;
  readonly projects: ProjectsService;
  readonly runs: RunsService;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

/**
 * A project's schedules: each enabled one is armed with croner and starts a one-shot run of the
 * project's newest build at every firing (`startedBy: "schedule"`). A firing while the schedule's
 * previous run is still live is skipped and counted; firings missed while the emulator was not
 * running are not made up.
 */
export class SchedulesService {
  private readonly jobs = new Map<string, Cron>();
  private readonly listeners: Array<(schedule: Schedule) => void> = [];
  private readonly removedListeners: Array<(id: string) => void> = [];

  constructor(private readonly deps: SchedulesDeps) {
    deps.store.data.schedules ??= [];
    // a deleted project takes its schedules with it
    deps.projects.onChanged((projectId) => {
      if (!deps.projects.exists(projectId)) void this.removeProject(projectId);
    });
  }

  private get records(): ScheduleRecord[] {
    return (this.deps.store.data.schedules ??= []);
  }

  /** Arms every enabled schedule; called once the server is ready to start runs. */
  armAll(): void {
    for (const record of this.records) this.arm(record);
  }

  /** Calls `listener` after a schedule is created, changed or fires. */
  onChange(listener: (schedule: Schedule) => void): void {
    this.listeners.push(listener);
  }

  /** Calls `listener` with the id of a schedule that was deleted (alone or with its project). */
  onRemoved(listener: (id: string) => void): void {
    this.removedListeners.push(listener);
  }

  list(projectId: string): Schedule[] {
    this.deps.projects.get(projectId);
    return this.records.filter((r) => r.project === projectId).map((r) => this.view(r));
  }

  get(projectId: string, id: string): Schedule {
    return this.view(this.find(projectId, id));
  }

  async create(projectId: string, input: ScheduleInput): Promise<Schedule> {
    this.deps.projects.get(projectId);
    if (this.records.filter((r) => r.project === projectId).length >= MAX_SCHEDULES_PER_PROJECT)
      throw new AppError('too_many_schedules', `a project has at most ${MAX_SCHEDULES_PER_PROJECT} schedules`);
    const timezone = checkTimezone(input.timezone ?? machineTimezone());
    const now = unixSeconds(this.deps.clock.now());
    const record: ScheduleRecord = {
      id: randomUUID(),
      project: projectId,
      cron: checkCron(input.cron, timezone),
      timezone,
      arguments: [...(input.arguments ?? [])],
      enabled: input.enabled ?? true,
      lastRunAt: null,
      lastRun: null,
      skipped: 0,
      lastError: null,
      created: now,
      updated: now,
    };
    this.records.push(record);
    await this.commitOrUndo(() => {
      this.deps.store.data.schedules = this.records.filter((r) => r !== record);
    });
    this.arm(record);
    return this.announce(record);
  }

  async update(projectId: string, id: string, patch: Partial<ScheduleInput>): Promise<Schedule> {
    const record = this.find(projectId, id);
    const timezone = patch.timezone !== undefined ? checkTimezone(patch.timezone) : record.timezone;
    const cron =
      patch.cron !== undefined || patch.timezone !== undefined
        ? checkCron(patch.cron ?? record.cron, timezone)
        : record.cron;
    const before = { ...record, arguments: [...record.arguments] };
    Object.assign(record, {
      cron,
      timezone,
      arguments: patch.arguments !== undefined ? [...patch.arguments] : record.arguments,
      enabled: patch.enabled ?? record.enabled,
      updated: unixSeconds(this.deps.clock.now()),
    });
    await this.commitOrUndo(() => Object.assign(record, before));
    this.arm(record);
    return this.announce(record);
  }

  /** Fires the schedule now, enabled or not (the console's Run now); skipped while its last run is live. */
  async runNow(projectId: string, id: string): Promise<Schedule> {
    const record = this.find(projectId, id);
    await this.fire(record.id, true);
    return this.view(record);
  }

  async remove(projectId: string, id: string): Promise<void> {
    const record = this.find(projectId, id);
    const before = this.records;
    this.deps.store.data.schedules = before.filter((r) => r !== record);
    await this.commitOrUndo(() => {
      this.deps.store.data.schedules = before;
    });
    this.disarm(record.id);
    this.announceRemoved([record.id]);
  }

  async removeProject(projectId: string): Promise<void> {
    const gone = this.records.filter((r) => r.project === projectId);
    if (!gone.length) return;
    for (const r of gone) this.disarm(r.id);
    this.deps.store.data.schedules = this.records.filter((r) => r.project !== projectId);
    this.announceRemoved(gone.map((r) => r.id));
    await this.deps.store.commit().catch((err) => this.deps.log(`schedules: ${errorMessage(err)}`));
  }

  /** Stops every timer (the server is closing). */
  close(): void {
    for (const id of [...this.jobs.keys()]) this.disarm(id);
  }

  private find(projectId: string, id: string): ScheduleRecord {
    this.deps.projects.get(projectId);
    const record = this.records.find((r) => r.id === id && r.project === projectId);
    if (!record) throw new AppError('schedule_not_found', `project ${projectId} has no schedule ${id}`);
    return record;
  }

  /** Writes the store; when the write fails, `undo` puts memory back as it is on disk. */
  private async commitOrUndo(undo: () => void): Promise<void> {
    try {
      await this.deps.store.commit();
    } catch (err) {
      undo();
      throw err;
    }
  }

  private view(record: ScheduleRecord): Schedule {
    const next = this.jobs.get(record.id)?.nextRun() ?? null;
    return { ...record, arguments: [...record.arguments], nextRunAt: next ? unixSeconds(next.getTime()) : null };
  }

  private announce(record: ScheduleRecord): Schedule {
    const schedule = this.view(record);
    for (const listener of this.listeners) listener(schedule);
    return schedule;
  }

  private arm(record: ScheduleRecord): void {
    this.disarm(record.id);
    if (!record.enabled) return;
    this.jobs.set(
      record.id,
      armCron(record.cron, record.timezone, () => void this.fire(record.id)),
    );
  }

  private disarm(id: string): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  private announceRemoved(ids: string[]): void {
    for (const id of ids) for (const listener of this.removedListeners) listener(id);
  }

  /** One firing: a one-shot run of the newest build, unless the previous one is still live. */
  private async fire(id: string, evenIfDisabled = false): Promise<void> {
    const record = this.records.find((r) => r.id === id);
    if (!record || (!record.enabled && !evenIfDisabled)) return;
    const previous = record.lastRun ? this.deps.runs.find(record.lastRun) : undefined;
    if (previous && !isTerminal(previous.run.state)) {
      record.skipped += 1;
    } else {
      try {
        const { run } = await this.deps.runs.start(
          record.project,
          { mode: 'oneShot', arguments: record.arguments },
          { startedBy: 'schedule' },
        );
        record.lastRun = run.uuid;
        record.lastRunAt = unixSeconds(this.deps.clock.now());
        record.lastError = null;
      } catch (err) {
        record.lastError = errorMessage(err);
        this.deps.log(`schedule ${record.id} of project ${record.project}: ${record.lastError}`);
      }
    }
    await this.deps.store.commit().catch((err) => this.deps.log(`schedule ${record.id}: ${errorMessage(err)}`));
    if (this.records.includes(record)) this.announce(record);
  }
}
