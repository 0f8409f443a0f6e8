import { existsSync } from 'node:fs';
import express, { Router } from 'express';
import type { ConsoleAuth } from '../callers/index.js';

/** The console's pages: only its own scripts, never framed, no referrer. */
const securityHeaders: express.RequestHandler = (_req, res, next) => {
  res.setHeader(
    'content-security-policy',
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  );
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  next();
};

/** The built console UI from `uiDir` (when it exists), and the sign-in by `/?token=`. */
export function createConsoleUiRouter(uiDir: string, consoleAuth: ConsoleAuth): Router {
  const router = Router();
  // `/?token=…` signs the browser in and drops the token from the address bar.
  router.get('/', (req, res, next) => {
    if (typeof req.query.token === 'string') {
      if (consoleAuth.isValidToken(req.query.token)) res.setHeader('set-cookie', consoleAuth.sessionCookieHeader());
      res.redirect(303, '/');
      return;
    }
    next();
  });
  if (existsSync(uiDir)) router.use(securityHeaders, express.static(uiDir, { index: 'index.html', fallthrough: true }));
  return router;
}
