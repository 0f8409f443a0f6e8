// The relay in front of lldb-server, with real sockets: an upstream that is not there yet (a
// connection closed before any answer, as Docker's proxy does while nothing listens) is retried
// with what the debugger sent replayed; the state follows the connection.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import type { DebugState } from '../../contract/types.js';
import { debugInstructions } from './debug-commands.js';
import { DebugRelay } from './debug-relay.js';

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

function listen(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer(onSocket);
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

test('a debugger that connects early waits; its bytes reach lldb-server once it answers; the state follows', async () => {
  let upstream: number | null = null;
  const states: DebugState[] = [];
  const relay = await DebugRelay.open({ upstreamPort: () => upstream, ended: () => false }, (s) => states.push(s));
  try {
    const client = connect({ port: relay.port, host: '127.0.0.1' });
    let answer = '';
    client.on('data', (d) => (answer += d));
    client.write('+$QStartNoAckMode#b0');
    await new Promise((r) => setTimeout(r, 150));
    // first a port where the connection is closed at once (nothing listening behind Docker's proxy)
    let refused = 0;
    upstream = await listen((s) => {
      refused++;
      s.destroy();
    });
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(refused >= 1);
    assert.deepEqual(states, []);
    // then lldb-server: it gets everything the debugger sent, in order, and answers
    let received = '';
    upstream = await listen((s) => {
      s.on('data', (d) => {
        received += d;
        if (received === '+$QStartNoAckMode#b0+') s.write('+$OK#9a');
      });
    });
    client.write('+');
    await waitUntil(() => answer === '+$OK#9a');
    assert.equal(received, '+$QStartNoAckMode#b0+');
    assert.deepEqual(states, ['attached']);
    client.end();
    await waitUntil(() => states.length === 2);
    assert.deepEqual(states, ['attached', 'detached']);
  } finally {
    relay.close();
  }
});

test('connections are refused once the run is over', async () => {
  const relay = await DebugRelay.open({ upstreamPort: () => null, ended: () => true }, () => undefined);
  try {
    const client = connect({ port: relay.port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => client.on('close', () => resolve()).on('error', () => undefined));
  } finally {
    relay.close();
  }
});

test('the lldb command quotes a binary path with spaces; launch.json has both debuggers', () => {
  const { lldb, vscode } = debugInstructions(4711, "/data/my dir/it's/hello", 'hello');
  assert.equal(
    lldb,
    `lldb -o 'platform select remote-linux' -o 'target create "/data/my dir/it'\\''s/hello"' -o ` +
      `'gdb-remote 127.0.0.1:4711' -o 'process handle SIGSTOP -s false -n false -p false'`,
  );
  assert.deepEqual(vscode.configurations[1]!.targetCreateCommands, ['target create "/data/my dir/it\'s/hello"']);
  assert.deepEqual(
    vscode.configurations.map((c) => c.type),
    ['swift', 'lldb'],
  );
});

async function waitUntil(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
