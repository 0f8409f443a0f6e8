import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The renderer's unit tests (pure modules: event folding, the log buffer), in Node.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
