// A project's schedule: a cron expression that starts one-shot runs of its newest build.

export interface Schedule {
  readonly id: string;
  readonly project: string;
  /** five fields (minute hour day-of-month month day-of-week), or a name such as `@hourly` */
  cron: string;
  /** IANA time zone the expression is read in */
  timezone: string;
  arguments: string[];
  enabled: boolean;
  /** the next firing in unix seconds; null while disabled */
  nextRunAt: number | null;
  /** the last firing that started a run, in unix seconds */
  lastRunAt: number | null;
  /** the run the last firing started */
  lastRun: string | null;
  /** firings skipped because the schedule's previous run was still live */
  skipped: number;
  /** why the last firing could not start a run (no build yet, Docker away), or null */
  lastError: string | null;
  created: number;
  updated: number;
}
