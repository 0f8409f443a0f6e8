import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCrash, parseCrash, parseFrame, signalOfExitCode } from './crash-report.js';

// stderr as captured in swiftlambda/swift:6.0-trixie-git (Swift 6.0.3), run as runs are (docker-init,
// all capabilities dropped, stdbuf, SWIFT_BACKTRACE_SETTINGS): resources/test-packages/crashy built
// in release from /home/me/crashy (`nobt-fatal` with SWIFT_BACKTRACE=enable=no), and a small program
// of nil unwrapped in a closure (debug build) and a precondition on another thread (release)
const STDERR: Record<string, string> = {
  fatal: `crashy/main.swift:14: Fatal error: boom: the answer was 42

*** Signal 4: Backtracing from 0x7fc7c2c11acf... done ***

*** Program crashed: Illegal instruction at 0x00007fc7c2c11acf ***

Thread 0 "crashy" crashed:

0      0x00007fc7c2c11acf <unknown> in libswiftCore.so
1 [ra] 0x000055bdd607b76c explode(_:) + 91 in crashy at /home/me/crashy/Sources/crashy/main.swift:14:5
2 [ra] 0x000055bdd607d4f0 crashy_main + 2463 in crashy at /home/me/crashy/Sources/crashy/main.swift:42:5

Backtrace took 0.00s

`,
  unwrap: `
*** Signal 4: Backtracing from 0x55b44b38577e... done ***

*** Swift runtime failure: Unexpectedly found nil while unwrapping an Optional value ***

Thread 0 "crashy" crashed:

0 [inlined] [system] 0x000055b44b38577e Swift runtime failure: Unexpectedly found nil while unwrapping an Optional value in crashy at //<compiler-generated>
1                    0x000055b44b38577e unwrapNothing(_:) + 14 in crashy at /home/me/crashy/Sources/crashy/main.swift:19:10
2 [ra]               0x000055b44b386e16 crashy_main + 709 in crashy at /home/me/crashy/Sources/crashy/main.swift:44:11

Backtrace took 0.00s

`,
  index: `
*** Signal 4: Backtracing from 0x55d051ca4798... done ***

*** Program crashed: Illegal instruction at 0x000055d051ca4798 ***

Thread 0 "crashy" crashed:

0 [inlined] [system] 0x000055d051ca4798 specialized Array.subscript.getter in crashy at //<compiler-generated>
1                    0x000055d051ca4798 readPastTheEnd(_:_:) + 24 in crashy at /home/me/crashy/Sources/crashy/main.swift:24:11
2 [ra]               0x000055d051ca5efd crashy_main + 940 in crashy at /home/me/crashy/Sources/crashy/main.swift:46:11

Backtrace took 0.01s

`,
  segv: `
*** Signal 11: Backtracing from 0x560df564e7b5... done ***

*** Program crashed: Bad pointer dereference at 0x0000000000000000 ***

Thread 0 "crashy" crashed:

0      0x0000560df564e7b5 writeThroughNull(_:) + 21 in crashy at /home/me/crashy/Sources/crashy/main.swift:32:21
1 [ra] 0x0000560df564ff74 crashy_main + 1059 in crashy at /home/me/crashy/Sources/crashy/main.swift:48:5

Backtrace took 0.01s

`,
  abort: `
*** Signal 6: Backtracing from 0x7f7d75e2569c... done ***

*** Program crashed: Aborted at 0x0000000000000007 ***

Thread 0 "crashy" crashed:

0  0x00007f7d75e2569c <unknown> in libc.so.6

Backtrace took 0.00s

`,
  'debug-closure': `extra/main.swift:8: Fatal error: Unexpectedly found nil while unwrapping an Optional value

*** Signal 4: Backtracing from 0x7fcc336e5c74... done ***

*** Program crashed: Illegal instruction at 0x00007fcc336e5c74 ***

Thread 0 "extra-debug" crashed:

0      0x00007fcc336e5c74 <unknown> in libswiftCore.so
1 [ra] 0x00007fcc336e5a22 <unknown> in libswiftCore.so
2 [ra] 0x00007fcc336e58dd <unknown> in libswiftCore.so
3 [ra] 0x00007fcc33868dd6 <unknown> in libswiftCore.so
4 [ra] 0x000055b1e77ef7dd closure #1 in handle(_:) + 268 in extra-debug at /src/extra/Sources/extra/main.swift:8:21
5 [ra] 0x00007fcc338ba2cd <unknown> in libswiftCore.so
6 [ra] 0x000055b1e77efe10 handle(_:) + 79 in extra-debug at /src/extra/Sources/extra/main.swift:6:11
7 [ra] 0x000055b1e77efda2 extra_main + 385 in extra-debug at /src/extra/Sources/extra/main.swift:19:5

Backtrace took 0.00s

`,
  'release-thread': `
*** Signal 4: Backtracing from 0x55ec5f4d64a4... done ***

*** Swift runtime failure: precondition failure ***

Thread 1 crashed:

0 [inlined] [system] 0x000055ec5f4d64a4 Swift runtime failure: precondition failure in extra-release at //<compiler-generated>
1                    0x000055ec5f4d64a4 closure #1 in  + 36 in extra-release at /src/extra/Sources/extra/main.swift:14:9
2 [ra]               0x00007ffa178e5006 <unknown> in libFoundation.so

Backtrace took 0.00s

`,
  'nobt-fatal': `crashy/main.swift:14: Fatal error: boom: the answer was 42
`,
};

test('signals by exit code, as docker-init reports them (128 + n)', () => {
  assert.equal(signalOfExitCode(132), 'SIGILL');
  assert.equal(signalOfExitCode(133), 'SIGTRAP');
  assert.equal(signalOfExitCode(134), 'SIGABRT');
  assert.equal(signalOfExitCode(135), 'SIGBUS');
  assert.equal(signalOfExitCode(136), 'SIGFPE');
  assert.equal(signalOfExitCode(139), 'SIGSEGV');
  assert.equal(signalOfExitCode(137), 'SIGKILL');
  assert.equal(signalOfExitCode(1), null);
  assert.equal(signalOfExitCode(128), null);
});

test("fatalError: the runtime message, the frames, the user's line", () => {
  const parsed = parseCrash(STDERR.fatal!, 'SIGILL')!;
  assert.equal(parsed.crash.signal, 'SIGILL');
  assert.equal(parsed.crash.message, 'Fatal error: boom: the answer was 42');
  assert.deepEqual(parsed.crash.frames, [
    { symbol: '<unknown> in libswiftCore.so', file: null, line: null },
    { symbol: 'explode(_:)', file: '/home/me/crashy/Sources/crashy/main.swift', line: 14 },
    { symbol: 'crashy_main', file: '/home/me/crashy/Sources/crashy/main.swift', line: 42 },
  ]);
  assert.equal(parsed.location, 'crashy/main.swift:14');
  assert.equal(describeCrash(parsed), 'Fatal error: boom: the answer was 42 at crashy/main.swift:14');
});

test('a release-mode force-unwrap: the crash handler names the runtime failure', () => {
  const parsed = parseCrash(STDERR.unwrap!, 'SIGILL')!;
  assert.equal(
    parsed.crash.message,
    'Swift runtime failure: Unexpectedly found nil while unwrapping an Optional value',
  );
  assert.equal(
    parsed.crash.frames[0]!.symbol,
    'Swift runtime failure: Unexpectedly found nil while unwrapping an Optional value',
  );
  assert.equal(parsed.crash.frames[0]!.file, null, 'compiler-generated code has no file');
  assert.deepEqual(parsed.crash.frames[1], {
    symbol: 'unwrapNothing(_:)',
    file: '/home/me/crashy/Sources/crashy/main.swift',
    line: 19,
  });
  assert.equal(parsed.location, 'crashy/main.swift:19');
});

test('a release-mode index out of range: no message from the runtime, the trap and the inlined frame', () => {
  const parsed = parseCrash(STDERR.index!, 'SIGILL')!;
  assert.equal(parsed.crash.message, 'Illegal instruction');
  assert.equal(parsed.crash.frames[0]!.symbol, 'specialized Array.subscript.getter');
  assert.equal(parsed.location, 'crashy/main.swift:24');
});

test('a null pointer write: SIGSEGV with the faulting address', () => {
  const parsed = parseCrash(STDERR.segv!, 'SIGSEGV')!;
  assert.equal(parsed.crash.message, 'Bad pointer dereference at 0x0000000000000000');
  assert.deepEqual(parsed.crash.frames[0], {
    symbol: 'writeThroughNull(_:)',
    file: '/home/me/crashy/Sources/crashy/main.swift',
    line: 32,
  });
  assert.equal(describeCrash(parsed), 'Bad pointer dereference at 0x0000000000000000 at crashy/main.swift:32');
});

test('abort(): a frame in libc and no source location', () => {
  const parsed = parseCrash(STDERR.abort!, 'SIGABRT')!;
  assert.deepEqual(parsed.crash, {
    signal: 'SIGABRT',
    message: 'Aborted',
    frames: [{ symbol: '<unknown> in libc.so.6', file: null, line: null }],
  });
  assert.equal(parsed.location, null);
  assert.equal(describeCrash(parsed), 'Aborted');
});

test("a debug build: the standard library's own message, the user's closure as the location", () => {
  const parsed = parseCrash(STDERR['debug-closure']!, 'SIGILL')!;
  assert.equal(parsed.crash.message, 'Fatal error: Unexpectedly found nil while unwrapping an Optional value');
  assert.equal(parsed.crash.frames.length, 8);
  assert.deepEqual(parsed.crash.frames[4], {
    symbol: 'closure #1 in handle(_:)',
    file: '/src/extra/Sources/extra/main.swift',
    line: 8,
  });
  assert.equal(parsed.location, 'extra/main.swift:8');
});

test('a crash on another thread', () => {
  const parsed = parseCrash(STDERR['release-thread']!, 'SIGILL')!;
  assert.equal(parsed.crash.message, 'Swift runtime failure: precondition failure');
  assert.deepEqual(parsed.crash.frames[1], {
    symbol: 'closure #1 in ',
    file: '/src/extra/Sources/extra/main.swift',
    line: 14,
  });
  assert.equal(parsed.crash.frames[2]!.symbol, '<unknown> in libFoundation.so');
});

test("without the backtracer: the runtime's Fatal error line alone", () => {
  const parsed = parseCrash(STDERR['nobt-fatal']!, 'SIGILL')!;
  assert.deepEqual(parsed.crash, { signal: 'SIGILL', message: 'Fatal error: boom: the answer was 42', frames: [] });
  assert.equal(parsed.location, 'crashy/main.swift:14');
});

test('no signal, no crash; a signal without Swift output is still one', () => {
  assert.equal(parseCrash('Fatal error: config missing\n', null), null);
  assert.equal(parseCrash('', null), null);
  assert.deepEqual(parseCrash('some output\n', 'SIGKILL'), {
    crash: { signal: 'SIGKILL', message: null, frames: [] },
    location: null,
  });
});

test('the signal comes from the banner when the exit code does not say', () => {
  assert.equal(parseCrash(STDERR.segv!, null)!.crash.signal, 'SIGSEGV');
});

test('a tail cut in the middle of the output, and a long message, stay bounded', () => {
  const cut = STDERR.fatal!.slice(STDERR.fatal!.indexOf('\n') + 1);
  assert.equal(parseCrash(cut, 'SIGILL')!.crash.message, 'Illegal instruction');
  const long = `App/main.swift:3: Fatal error: ${'x'.repeat(5000)}\n`;
  assert.ok(parseCrash(long, 'SIGILL')!.crash.message!.length <= 501);
});

test('frame lines: paths with spaces, symbols with " in ", no location', () => {
  assert.deepEqual(
    parseFrame(
      '3 [ra] 0x0000000000001234 closure #2 in Server.run() + 10 in App at /Users/me/My Project/Sources/App/main.swift:7:3',
    ),
    {
      symbol: 'closure #2 in Server.run()',
      file: '/Users/me/My Project/Sources/App/main.swift',
      line: 7,
    },
  );
  assert.deepEqual(parseFrame('0      0x00007f3cafdc8acf <unknown> in libswiftCore.so'), {
    symbol: '<unknown> in libswiftCore.so',
    file: null,
    line: null,
  });
  assert.equal(parseFrame('Backtrace took 0.00s'), null);
  assert.equal(parseFrame(''), null);
});
