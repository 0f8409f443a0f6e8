import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSummary } from '../../adapters/docker/docker-engine.js';
import { EmulatorPeers } from './emulator-peers.js';

function engineWith(list: () => ContainerSummary[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    listContainers: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return list();
    },
  };
}

test('only running containers of this emulator, on the bridge, are admitted', async () => {
  let containers: ContainerSummary[] = [
    { id: 'a', running: true, labels: {}, ipAddresses: ['172.17.0.5', '172.20.0.2'] },
  ];
  const engine = engineWith(() => containers);
  const peers = new EmulatorPeers(engine, { 'swiftlambda.instance': 'x' }, ['172.17.0.0/16'], '172.17.0.1');
  assert.equal(await peers.admits('172.17.0.5'), true);
  // this machine itself, an address off the bridge, a stranger on it
  assert.equal(await peers.admits('172.17.0.1'), false);
  assert.equal(await peers.admits('172.20.0.2'), false);
  assert.equal(await peers.admits('10.0.0.9'), false);
  assert.equal(await peers.admits('172.17.0.6'), false);
  // the container exits and a stranger gets its address at once: a fresh list refuses it
  containers = [{ id: 'a', running: false, labels: {}, ipAddresses: [] }];
  assert.equal(await peers.admits('172.17.0.5'), false);
});

test('connections that arrive together share one list call', async () => {
  const engine = engineWith(() => [{ id: 'a', running: true, labels: {}, ipAddresses: ['172.17.0.5'] }]);
  const peers = new EmulatorPeers(engine, {}, ['172.17.0.0/16'], '172.17.0.1');
  const before = engine.calls;
  const verdicts = await Promise.all(Array.from({ length: 20 }, () => peers.admits('172.17.0.5')));
  assert.ok(verdicts.every(Boolean));
  assert.ok(engine.calls - before <= 2, `${engine.calls - before} list calls`);
});
