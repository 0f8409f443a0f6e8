// Which changes on the console's live stream become a native notification: a watched project's
// build that failed, and a run that crashed (a signal, or a Swift runtime trap). Each is told once.

export interface Notice {
  readonly title: string;
  readonly body: string;
  /** the console's hash route that shows it */
  readonly route: string;
}

interface ProjectView {
  readonly id: string;
  readonly name: string;
  readonly watch?: boolean;
}
interface CompilationView {
  readonly id: string;
  readonly project: string;
  readonly state: string;
  readonly errorSummary: string | null;
}
interface RunView {
  readonly uuid: string;
  readonly project: string;
  readonly state: string;
  readonly errorSummary: string | null;
  readonly crash?: { readonly signal: string; readonly message: string | null } | null;
}

export type StreamEvent =
  | { readonly type: 'project'; readonly data: ProjectView }
  | { readonly type: 'compilation'; readonly data: CompilationView }
  | { readonly type: 'run'; readonly data: RunView }
  | { readonly type: string; readonly data: unknown };

export class NotificationMapper {
  private readonly projects = new Map<string, ProjectView>();
  private readonly told = new Set<string>();

  constructor(projects: readonly ProjectView[] = []) {
    for (const p of projects) this.projects.set(p.id, p);
  }

  /** The notification an event calls for, or null. */
  map(event: StreamEvent): Notice | null {
    switch (event.type) {
      case 'project': {
        const project = event.data as ProjectView;
        this.projects.set(project.id, project);
        return null;
      }
      case 'compilation': {
        const c = event.data as CompilationView;
        const project = this.projects.get(c.project);
        if (c.state !== 'failed' || !project?.watch || !this.once(`compilation:${c.id}`)) return null;
        return {
          title: `Build failed: ${project.name}`,
          body: c.errorSummary ?? 'The watched build failed; the previous build keeps serving.',
          route: `#/projects/${c.project}`,
        };
      }
      case 'run': {
        const run = event.data as RunView;
        if (!run.crash || !this.once(`run:${run.uuid}`)) return null;
        const name = this.projects.get(run.project)?.name ?? 'a run';
        return {
          title: `${name} crashed (${run.crash.signal})`,
          body: run.crash.message ?? run.errorSummary ?? `The run was killed by ${run.crash.signal}.`,
          route: `#/runs/${run.project}/${run.uuid}`,
        };
      }
      default:
        return null;
    }
  }

  private once(key: string): boolean {
    if (this.told.has(key)) return false;
    this.told.add(key);
    return true;
  }
}
