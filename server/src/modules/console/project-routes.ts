import { Router } from 'express';
import type { BuildsService } from '../builds/index.js';
import type { DevLoop } from '../dev/index.js';
import type { ProjectsService } from '../projects/index.js';
import { parseStartRunBody, type RunsService } from '../runs/index.js';

export interface ProjectRoutesDeps {
  readonly projects: ProjectsService;
  readonly builds: BuildsService;
  readonly runs: RunsService;
  readonly dev: DevLoop;
}

/** What spans a project's services: deleting it everywhere, and its development loop. */
export function createProjectRoutesRouter(deps: ProjectRoutesDeps): Router {
  const router = Router();

  // Deletes a project: its live runs are stopped first, then its runs, logs, builds, binaries,
  // source copies and build volume go.
  router.delete('/projects/:projectId', async (req, res) => {
    const { projectId } = req.params;
    deps.projects.get(projectId);
    await deps.dev.forget(projectId);
    await deps.runs.removeProject(projectId);
    await deps.builds.removeProject(projectId);
    await deps.projects.remove(projectId);
    res.status(204).end();
  });

  // The project's development loop: watching, building, the run its dev URL serves, swaps.
  router.get('/projects/:projectId/dev', (req, res) => {
    res.json({ dev: deps.dev.status(req.params.projectId) });
  });
  // what a good build starts while watching when no service run is live (`swiftlambda dev` sets its mode and arguments)
  router.put('/projects/:projectId/dev', (req, res) => {
    res.json({ dev: deps.dev.setStart(req.params.projectId, parseStartRunBody(req.body)) });
  });
  router.delete('/projects/:projectId/dev', (req, res) => {
    res.json({ dev: deps.dev.setStart(req.params.projectId, null) });
  });
  return router;
}
