import { isAbsolute, normalize } from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import type { ErrorReason } from '../../errors.js';
import { parseBody } from '../../http/validate.js';
import { projectNetworksSchema } from './project-networks.js';
import { packageExecutables } from './package-manifest.js';
import type { ProjectsService } from './projects-service.js';

const settings = {
  name: z.string().trim().min(1).max(100),
  targetName: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/),
  dockerImage: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/i),
  runTimeoutSeconds: z.number().int().min(1).max(86_400),
  publicInstances: z.boolean(),
  memoryLimitMb: z.number().int().min(16).max(65_536),
  pidsLimit: z.number().int().min(8).max(65_536),
  watch: z.boolean(),
  buildConfiguration: z.enum(['release', 'debug']),
  stopGraceSeconds: z.number().int().min(0).max(300),
  devRunTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400),
  restartOnFailure: z.boolean(),
  runtime: z.enum(['process', 'awsLambda']),
  reservedConcurrency: z.number().int().min(0).max(1000),
  // names, reserved names and sizes are checked by the service (each has its own reason)
  environment: z.record(z.string(), z.string()),
  envFile: z
    .string()
    .min(1)
    .max(1024)
    .refine((path) => isInsidePackage(path), 'must be a path inside the package folder, such as .env')
    .nullable(),
  networks: projectNetworksSchema,
};

/** A relative path that stays inside the package folder once normalized. */
function isInsidePackage(path: string): boolean {
  if (isAbsolute(path) || path.includes('\0')) return false;
  const normalized = normalize(path);
  return normalized !== '..' && !normalized.startsWith('../') && normalized !== '.';
}

/** PATCH: any setting; POST: the same, with name, targetName and sourcePath required. */
const updateSchema = z.object(settings).partial().strict();
const createSchema = updateSchema
  .extend({ name: settings.name, targetName: settings.targetName, sourcePath: z.string().min(1).max(4096) })
  .strict();

const reasons: Record<string, ErrorReason> = {
  name: 'invalid_name',
  sourcePath: 'invalid_source_path',
  targetName: 'invalid_target_name',
  dockerImage: 'invalid_docker_image',
  runTimeoutSeconds: 'invalid_run_timeout',
  publicInstances: 'invalid_public_instances',
  memoryLimitMb: 'invalid_memory_limit',
  pidsLimit: 'invalid_pids_limit',
  watch: 'invalid_watch',
  buildConfiguration: 'invalid_build_configuration',
  stopGraceSeconds: 'invalid_stop_grace',
  devRunTimeoutSeconds: 'invalid_dev_run_timeout',
  restartOnFailure: 'invalid_restart_on_failure',
  runtime: 'invalid_runtime',
  reservedConcurrency: 'invalid_reserved_concurrency',
  environment: 'invalid_environment',
  envFile: 'invalid_env_file',
  networks: 'invalid_networks',
};

/** Console routes for projects. */
export function createProjectsRouter(projects: ProjectsService): Router {
  const router = Router();
  router.post('/projects', async (req, res) => {
    const body = parseBody(createSchema, req.body, reasons);
    res.status(201).json({ project: await projects.create(body) });
  });
  // The executables a package folder declares, for the console's target picker.
  router.get('/packages/executables', async (req, res) => {
    const { path } = parseBody(z.object({ path: z.string().min(1).max(4096) }), req.query, {
      path: 'invalid_source_path',
    });
    res.json({ path, executables: await packageExecutables(path) });
  });
  router.get('/projects', (_req, res) => {
    res.json({ projects: projects.list() });
  });
  router.get('/projects/:projectId', (req, res) => {
    res.json({ project: projects.get(req.params.projectId) });
  });
  router.patch('/projects/:projectId', async (req, res) => {
    projects.get(req.params.projectId);
    const body = parseBody(updateSchema, req.body, reasons);
    res.json({ project: await projects.update(req.params.projectId, body) });
  });
  return router;
}
