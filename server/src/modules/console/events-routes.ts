import { Router } from 'express';
import { openEventStream } from '../../http/sse.js';
import type { ChangeFeed } from './change-feed.js';

/** `GET /events`: every change as Server-Sent Events; the console renders from this instead of polling. */
export function createEventsRouter(feed: ChangeFeed): Router {
  const router = Router();
  router.get('/events', (_req, res) => {
    const stream = openEventStream(res, { retryMs: 2000 });
    stream.onClose(feed.subscribe((e) => stream.send(e.type, e.data)));
    stream.send('ready', { at: Date.now() });
  });
  return router;
}
