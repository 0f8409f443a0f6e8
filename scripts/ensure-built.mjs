#!/usr/bin/env node
// `npm start` runs built JavaScript. This builds first when dist/ is missing or older than any
// source file, so a fresh clone needs only `npm install && npm start`, and later starts stay fast.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outputs = ['dist/server/main.js', 'dist/renderer/index.html'].map((p) => join(root, p));
const sources = ['server/src', 'renderer/src', 'renderer/index.html', 'electron/src', 'package.json'].map((p) =>
  join(root, p),
);

function newest(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
if (built === 0 || Math.max(...sources.map(newest)) > built) {
  console.error('building SwiftLambda Local (first start or sources changed)…');
  execSync('npm run build', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
