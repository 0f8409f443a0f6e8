import { Router } from 'express';
import { z } from 'zod';
import { parseBody } from '../../http/validate.js';
import type { KeysService } from './keys-service.js';

const createKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
    projects: z.array(z.string().min(1).max(100)).max(100).optional(),
  })
  .strict();

/** Console routes for API keys. */
export function createKeysRouter(keys: KeysService): Router {
  const router = Router();
  router.post('/keys', async (req, res) => {
    const body = parseBody(createKeySchema, req.body, {
      name: 'invalid_name',
      expiresInDays: 'invalid_expires_in_days',
      projects: 'invalid_projects',
    });
    const created = await keys.create({
      name: body.name,
      expiresInDays: body.expiresInDays ?? null,
      projects: body.projects ?? null,
    });
    res.status(201).json(created);
  });
  router.get('/keys', (_req, res) => {
    res.json({ keys: keys.list() });
  });
  router.post('/keys/:keyId/revoke', async (req, res) => {
    res.json({ key: await keys.revoke(req.params.keyId) });
  });
  return router;
}
