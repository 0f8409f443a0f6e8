import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built into dist/renderer, which the server serves at `/`. esbuild compiles the TSX itself
// (automatic JSX runtime), so no React plugin is needed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/console/api': 'http://127.0.0.1:7400', '/lambdas': 'http://127.0.0.1:7400' },
  },
});
