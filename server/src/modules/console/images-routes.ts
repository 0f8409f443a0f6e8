import { Router } from 'express';
import { z } from 'zod';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import { AppError } from '../../errors.js';
import { parseBody } from '../../http/validate.js';
import { ensureImage, ImageUnavailableError, type ImageCatalog } from '../builds/index.js';

const pullBody = z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/i) }).strict();

/** The local images (the image picker) and pulling one. */
export function createImagesRouter(engine: DockerEngine, images: ImageCatalog): Router {
  const router = Router();

  // The local images, with the Swift version of those that have a toolchain (the image picker).
  router.get('/images', async (_req, res) => {
    res.json({ images: await images.list() });
  });

  // Pulls an image where a registry is reachable (the fix offered for a project's missing image).
  router.post('/images/pull', async (req, res) => {
    const { name } = parseBody(pullBody, req.body, { name: 'invalid_docker_image' });
    const progress: string[] = [];
    try {
      await ensureImage(engine, name, (line) => progress.push(line));
    } catch (err) {
      if (err instanceof ImageUnavailableError) throw new AppError('image_unavailable', err.message);
      throw err;
    }
    res.json({ pulled: name, progress: progress.slice(-20) });
  });
  return router;
}
