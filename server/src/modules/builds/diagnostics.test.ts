import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiagnosticsCollector, formatDiagnostic } from './diagnostics.js';

test("swift build output: errors, warnings and notes with the user's paths, once each", () => {
  const c = new DiagnosticsCollector([['/src', '/Users/me/echo']]);
  const output = [
    '[1/4] Compiling echo main.swift',
    "/src/Sources/echo/main.swift:12:5: error: cannot find 'foo' in scope",
    "\u001b[1m/src/Sources/echo/main.swift:12:5: \u001b[0merror: cannot find 'foo' in scope",
    "/src/Sources/echo/main.swift:3:9: warning: variable 'x' was never used; consider replacing with '_' or removing it",
    "/src/Sources/echo/../echo/util.swift:7:1: note: did you mean 'bar'?",
    '/usr/lib/swift/linux/Glibc.swiftmodule:1:1: note: in module',
    'error: fatalError',
    "/src/Sources/echo/main.swift:12:5: error: cannot find 'foo' in scope",
  ];
  for (const line of output) c.add(line);
  assert.deepEqual(c.diagnostics, [
    {
      file: '/Users/me/echo/Sources/echo/main.swift',
      line: 12,
      column: 5,
      severity: 'error',
      message: "cannot find 'foo' in scope",
    },
    {
      file: '/Users/me/echo/Sources/echo/main.swift',
      line: 3,
      column: 9,
      severity: 'warning',
      message: "variable 'x' was never used; consider replacing with '_' or removing it",
    },
    {
      file: '/Users/me/echo/Sources/echo/util.swift',
      line: 7,
      column: 1,
      severity: 'note',
      message: "did you mean 'bar'?",
    },
    { file: '/usr/lib/swift/linux/Glibc.swiftmodule', line: 1, column: 1, severity: 'note', message: 'in module' },
  ]);
  assert.equal(
    formatDiagnostic(c.diagnostics[0]!),
    "/Users/me/echo/Sources/echo/main.swift:12:5: error: cannot find 'foo' in scope",
  );
});

test('a container path that only starts like a mount is left alone', () => {
  const c = new DiagnosticsCollector([['/src', '/home/u/pkg']]);
  c.add('/srcx/a.swift:1:1: error: e');
  assert.equal(c.diagnostics[0]!.file, '/srcx/a.swift');
});
