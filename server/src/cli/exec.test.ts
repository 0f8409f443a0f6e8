import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from './client.js';
import { envName, parseExecArgs } from './exec.js';

test('exec options end at `--` or at the first word; the command is passed on untouched', () => {
  assert.deepEqual(
    parseExecArgs([
      '--project',
      'api=./pkg:Server',
      '--data-dir=/d',
      '--image',
      'img',
      '--',
      'npm',
      'test',
      '--',
      '--watch',
    ]),
    {
      projects: { api: { path: './pkg', target: 'Server' } },
      dataDir: '/d',
      image: 'img',
      command: ['npm', 'test', '--', '--watch'],
    },
  );
  assert.deepEqual(parseExecArgs(['npx', 'playwright', 'test', '--project', 'x']), {
    projects: {},
    dataDir: undefined,
    image: undefined,
    command: ['npx', 'playwright', 'test', '--project', 'x'],
  });
  assert.equal(parseExecArgs(['--help']), 'help');
  assert.deepEqual(parseExecArgs(['--json', '--', 'npm', '--json']), {
    projects: {},
    dataDir: undefined,
    image: undefined,
    command: ['npm', '--json'],
    json: true,
  });
});

test('a project path may hold `=` and `:`; the first `=` and the last `:` split', () => {
  const args = parseExecArgs(['--project', 'my-app=/src/a=b/c:d/pkg:App', '--', 'true']);
  assert.ok(args !== 'help');
  assert.deepEqual(args.projects, { 'my-app': { path: '/src/a=b/c:d/pkg', target: 'App' } });
});

test('usage mistakes are CliErrors (exit 2)', () => {
  for (const argv of [
    ['--project', 'nopath', '--', 'x'],
    ['--project', 'a=/p:', '--', 'x'],
    ['--project', '=/p:t', '--', 'x'],
    ['--data-dir'],
    ['--data-dir=', '--', 'x'],
    ['--json=yes', '--', 'x'],
    ['--image', '--', 'x'],
    ['--nope', '--', 'x'],
    ['--project', 'a=/p:t'],
    ['--project', 'my-app=/a:t', '--project', 'MY_APP=/b:t', '--', 'x'],
  ]) {
    assert.throws(() => parseExecArgs(argv), CliError, argv.join(' '));
  }
});

test('project names in variable names: upper-cased, other characters _', () => {
  assert.equal(envName('echo-service'), 'ECHO_SERVICE');
  assert.equal(envName('api.v2'), 'API_V2');
});
