import { Router } from 'express';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { ExamplePackage, StatusResponse } from '../../contract/types.js';
import { errorMessage } from '../../errors.js';
import { VERSION } from '../../version.js';

/** What the status page shows besides Docker's own answer. */
export interface ConsoleStatus {
  dataDir: string;
  apiUrl: string;
  defaultImage: string;
  warnings: readonly string[];
  examples: ExamplePackage[];
}

/** `GET /status`: the engine (asked now), the version, the data dir, the API URL and the bundled examples. */
export function createStatusRouter(engine: DockerEngine, status: () => ConsoleStatus): Router {
  const router = Router();
  router.get('/status', async (_req, res) => {
    let docker: StatusResponse['docker'];
    try {
      docker = { available: true, version: await engine.version() };
    } catch (err) {
      docker = { available: false, error: errorMessage(err) };
    }
    const s = status();
    const body: StatusResponse = {
      docker,
      version: VERSION,
      dataDir: s.dataDir,
      apiUrl: s.apiUrl,
      defaultImage: s.defaultImage,
      warnings: [...s.warnings],
      examples: s.examples,
    };
    res.json(body);
  });
  return router;
}
