// `swiftlambda debug`: a debug build when the newest is not one, then a run under lldb-server,
// followed like `run` (its output, Ctrl-C stops it), with the lldb command and VS Code's
// configuration printed first.
import type { Compilation, DebugRunResponse, Project, RunMode } from '../contract/types.js';
import { call, followLog, type Connection } from './client.js';
import { printDiagnostics } from './dev-session.js';
import type { Output } from './output.js';
import { startRun } from './run-commands.js';

export async function debugRun(
  conn: Connection,
  out: Output,
  projectId: string,
  mode: RunMode,
  args: string[],
): Promise<number> {
  const path = `/console/api/projects/${encodeURIComponent(projectId)}`;
  if (!(await newestIsDebugBuild(conn, path))) {
    const { project } = await call<{ project: Project }>(conn, 'GET', path);
    if (project.buildConfiguration !== 'debug') {
      await call(conn, 'PATCH', path, { buildConfiguration: 'debug' });
      out.note(`project ${project.name}: buildConfiguration is now "debug"`);
    }
    if (!(await build(conn, out, path))) return 1;
  }
  return startRun(conn, out, projectId, mode, args, async () => {
    const started = await call<DebugRunResponse>(conn, 'POST', `${path}/debug`, { mode, arguments: args });
    const { debug } = started;
    out.note(
      [
        `debug run ${started.run.uuid}: the program waits for a debugger on 127.0.0.1:${debug.port}`,
        `binary: ${debug.binaryFile}`,
        '',
        'lldb (set breakpoints after it connects, then `continue`):',
        `  ${debug.lldb}`,
        '',
        'VS Code .vscode/launch.json (Swift extension, or CodeLLDB):',
        JSON.stringify(debug.vscode, null, 2).replace(/^/gm, '  '),
        '',
      ].join('\n'),
    );
    return started;
  });
}

async function newestIsDebugBuild(conn: Connection, projectPath: string): Promise<boolean> {
  const { compilations } = await call<{ compilations: Compilation[] }>(conn, 'GET', `${projectPath}/compilations`);
  const newest = compilations
    .filter((c) => c.state === 'succeeded')
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))[0];
  return newest?.configuration === 'debug';
}

/** Builds and follows the build's output; true when it succeeded. */
async function build(conn: Connection, out: Output, projectPath: string): Promise<boolean> {
  const started = await call<{ compilation: Compilation }>(conn, 'POST', `${projectPath}/compilations`, {});
  out.data(started);
  const compilationPath = `${projectPath}/compilations/${started.compilation.id}`;
  await followLog(conn, `${compilationPath}/logs?follow=true`, { onChunk: (c) => out.chunk(c) });
  const { compilation } = await call<{ compilation: Compilation }>(conn, 'GET', compilationPath);
  out.data({ compilation });
  out.note(
    `compilation ${compilation.id}: ${compilation.state}${compilation.errorSummary ? ` — ${compilation.errorSummary}` : ''}`,
  );
  if (!out.json) printDiagnostics(compilation.diagnostics);
  return compilation.state === 'succeeded';
}
