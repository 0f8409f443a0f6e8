/** The container port lldb-server listens on (published on 127.0.0.1 like a service's port). */
export const DEBUGGER_CONTAINER_PORT = 4711;

/** The one capability a debug run gets back: lldb-server attaches to the program with ptrace. */
export const DEBUG_CAPABILITIES = ['SYS_PTRACE'] as const;

/**
 * The library preloaded into the program. Its constructor runs before any Swift code: in the
 * program itself (not in `timeout` or `stdbuf`, which load it on the way), it forgets LD_PRELOAD
 * (so the program's own children run freely), writes its pid for the launch script, and stops
 * itself until the debugger continues it. Built in the container with the image's clang.
 */
const STOP_LIBRARY_SOURCE = `#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void swiftlambda_debug_stop(void) {
  const char *target = getenv("SWIFTLAMBDA_DEBUG_TARGET");
  const char *pidfile = getenv("SWIFTLAMBDA_DEBUG_PIDFILE");
  char exe[4096], tmp[4200], line[32];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (!target || !pidfile || n <= 0) return;
  exe[n] = 0;
  if (strcmp(exe, target) != 0) return;
  snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  int len = snprintf(line, sizeof line, "%d\\n", (int)getpid());
  if (write(fd, line, len) != len) { close(fd); return; }
  close(fd);
  unsetenv("LD_PRELOAD");
  unsetenv("SWIFTLAMBDA_DEBUG_TARGET");
  unsetenv("SWIFTLAMBDA_DEBUG_PIDFILE");
  if (rename(tmp, pidfile) == 0) raise(SIGSTOP);
}
`;

/**
 * The command of a debug run (`$0` the binary, `$@` its arguments, as in any run). It builds the
 * stop library, starts the program under it (line-buffered and with the deadline backstop, as any
 * run), waits for the program to stop itself, then runs `lldb-server gdbserver --attach`. The
 * program keeps the container's stdout and stderr, so its output reaches the run's log; the
 * debugger attached after its start still binds breakpoints by file and line. lldb-server's own
 * output is kept in a file and shown only when it fails. Once lldb-server ends (the debugger
 * detached or went away), the program is continued, as it would stay stopped otherwise. A stop (SIGTERM) is passed on to the
 * program, and the script ends with the program's exit code. `backstopSeconds`: as in any run,
 * coreutils' `timeout` kills the program then if the emulator is gone.
 */
export function debugLaunchScript(backstopSeconds: number): string {
  const limit = Math.floor(backstopSeconds);
  return [
    'set -- "$0" "$@"',
    'PATH="$PATH:/usr/libexec/swift/bin"',
    'note() { echo "[swiftlambda debug] $*" >&2; }',
    'work=$(mktemp -d) || exit 125',
    'cc=$(command -v clang || command -v cc || command -v gcc) || { note "no clang in the image: a debug run needs the Swift toolchain image"; exit 125; }',
    'command -v lldb-server >/dev/null 2>&1 || { note "no lldb-server in the image: a debug run needs the Swift toolchain image"; exit 125; }',
    `if ! "$cc" -shared -fPIC -O2 -x c -o "$work/stop.so" - >"$work/cc.log" 2>&1 <<'SWIFTLAMBDA_C'`,
    STOP_LIBRARY_SOURCE + 'SWIFTLAMBDA_C',
    'then note "could not build the stop library:"; cat "$work/cc.log" >&2; exit 125; fi',
    'target=$(readlink -f "$1")',
    'if command -v stdbuf >/dev/null 2>&1; then set -- stdbuf -oL -eL "$@"; fi',
    `if command -v timeout >/dev/null 2>&1; then set -- timeout -s KILL ${limit} "$@"; fi`,
    'SWIFTLAMBDA_DEBUG_TARGET="$target" SWIFTLAMBDA_DEBUG_PIDFILE="$work/pid" LD_PRELOAD="$work/stop.so" "$@" &',
    'child=$!',
    'trap \'kill -TERM "$child" 2>/dev/null\' TERM INT',
    'while [ ! -s "$work/pid" ] && kill -0 "$child" 2>/dev/null; do sleep 0.05; done',
    'if [ -s "$work/pid" ]; then',
    '  pid=$(cat "$work/pid")',
    `  ( lldb-server gdbserver 0.0.0.0:${DEBUGGER_CONTAINER_PORT} --attach "$pid" >"$work/lldb-server.log" 2>&1 ||`,
    '    { note "lldb-server failed:"; cat "$work/lldb-server.log" >&2; }',
    // a debugger that detaches leaves the program in the stop it gave itself: it goes on
    '    kill -CONT "$pid" 2>/dev/null ) &',
    'fi',
    'wait "$child"; code=$?',
    'while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done',
    'exit "$code"',
  ].join('\n');
}
