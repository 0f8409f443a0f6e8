import type { DebugRunResponse } from '../../contract/types.js';

/** What lldb runs after attaching: the program stopped itself with SIGSTOP, which is no news. */
export const IGNORE_SIGSTOP = 'process handle SIGSTOP -s false -n false -p false';

/**
 * lldb-dap (Swift 6.0's) checks the process right after its attach commands, while `gdb-remote`
 * is still connecting in the background, and fails the attach ("process unloaded during launch or
 * attach") though the session then works. A short pause on the machine running the debugger lets
 * the connection finish first.
 */
const LET_THE_CONNECTION_SETTLE = 'platform shell -h -- sleep 1';

/** A word for a POSIX shell: single-quoted unless it is plainly safe. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A word for lldb's own command parser: double-quoted (with `\` and `"` escaped) unless plainly safe. */
function lldbWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
}

/**
 * The ready lldb command line and VS Code launch.json for a debug run. `platform select
 * remote-linux` comes first: without it a Linux lldb takes the remote process for a local one and
 * no breakpoint resolves. The binary is the build's own, whose debug info names the sources at
 * their paths on this machine, so breakpoints by file and line bind with no source map.
 */
export function debugInstructions(
  port: number,
  binaryFile: string,
  targetName: string,
): Omit<DebugRunResponse['debug'], 'port' | 'binaryFile'> {
  const connect = `gdb-remote 127.0.0.1:${port}`;
  const targetCreate = `target create ${lldbWord(binaryFile)}`;
  const lldb = [
    'lldb',
    ...['platform select remote-linux', targetCreate, connect, IGNORE_SIGSTOP].flatMap((command) => [
      '-o',
      shellWord(command),
    ]),
  ].join(' ');
  const name = `Attach to ${targetName} (SwiftLambda debug run)`;
  return {
    lldb,
    vscode: {
      version: '0.2.0',
      configurations: [
        // the Swift extension's debugger (lldb-dap); type "lldb-dap" with the LLDB DAP extension alone
        {
          type: 'swift',
          request: 'attach',
          name,
          program: binaryFile,
          initCommands: ['platform select remote-linux'],
          attachCommands: [connect, LET_THE_CONNECTION_SETTLE, IGNORE_SIGSTOP],
        },
        {
          type: 'lldb',
          request: 'custom',
          name: `${name}, CodeLLDB`,
          initCommands: ['platform select remote-linux'],
          targetCreateCommands: [targetCreate],
          processCreateCommands: [connect, LET_THE_CONNECTION_SETTLE, IGNORE_SIGSTOP],
        },
      ],
    },
  };
}
