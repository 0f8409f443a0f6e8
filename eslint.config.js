// Lint, including the layering rules (STYLE.md §2): server/ never imports electron or the
// renderer; domain modules never import dockerode or lowdb (adapters do); modules reach each
// other only through their index.ts; layers import only downward:
// contract, domain → http, adapters → modules → index.ts. No import circles anywhere.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// In flat config a later `no-restricted-imports` entry replaces an earlier one for the files both
// match, so every layer's entry is built from the server-wide bans plus its own.
const SERVER_BANS = {
  paths: [{ name: 'electron', message: 'server/ is a plain Node library: electron stays in electron/' }],
  patterns: [
    { group: ['**/renderer/**', '**/electron/**'], message: 'server/ never imports the renderer or electron' },
  ],
};
const restrictImports = ({ paths = [], patterns = [] } = {}) => ({
  'no-restricted-imports': [
    'error',
    { paths: [...SERVER_BANS.paths, ...paths], patterns: [...SERVER_BANS.patterns, ...patterns] },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // no import circles: sources import `./x.js` for `./x.ts`
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['server/**/*.ts'],
    rules: restrictImports(),
  },
  {
    files: ['server/src/modules/**/*.ts'],
    ignores: ['server/src/modules/**/*.test.ts'],
    rules: restrictImports({
      paths: [
        { name: 'dockerode', message: 'domain code speaks DockerEngine (adapters/docker)' },
        { name: 'lowdb', message: 'domain code speaks Store (adapters/store)' },
        { name: 'lowdb/node', message: 'domain code speaks Store (adapters/store)' },
      ],
      patterns: [
        {
          regex: '^\\.\\./(?!\\.\\./)[^/]+/(?!index\\.js$)',
          message: 'import another module through its index.ts',
        },
        {
          regex:
            '^\\.\\./\\.\\./(modules|cli|bench|testing|integration|faults|emulator)/|^\\.\\./\\.\\./(index|main)\\.js$',
          message:
            'modules import base layers (domain, contract, http, adapters), other modules only through ../<module>/index.js, and never the composition root',
        },
      ],
    }),
  },
  {
    // the library users import (startEmulator, the Playwright fixture) ships: never the project's own test code
    files: ['server/src/emulator/**/*.ts'],
    rules: restrictImports({
      patterns: [
        {
          regex: '^\\.\\./(cli|bench|testing|integration|faults)/',
          message: 'the emulator library ships in the package: it never imports the CLI or test code',
        },
      ],
    }),
  },
  {
    // the CLI is a client: it starts the emulator library and speaks the HTTP contract; it shares
    // only pure base code (domain formatters, the data dir's default place in config.ts)
    files: ['server/src/cli/**/*.ts'],
    ignores: ['server/src/cli/**/*.test.ts'],
    rules: restrictImports({
      paths: [
        { name: 'dockerode', message: 'the CLI reaches Docker through the emulator' },
        { name: 'lowdb', message: 'the CLI reads state through the API' },
        { name: 'lowdb/node', message: 'the CLI reads state through the API' },
        { name: 'express', message: 'the CLI is a client of the API' },
      ],
      patterns: [
        {
          regex: '^\\.\\./(modules|adapters|http|bench|testing|integration|faults)/|^\\.\\./(index|main)\\.js$',
          message: 'the CLI uses the emulator library (../emulator/index.js) and the contract, not the server inside',
        },
      ],
    }),
  },
  {
    // http/ holds transport helpers (error answers, guards, SSE, validation): below the modules
    files: ['server/src/http/**/*.ts'],
    rules: restrictImports({
      patterns: [
        {
          regex: '^\\.\\./(modules|adapters|cli|bench|testing)/|^\\.\\./(index|main)\\.js$',
          message: 'http/ is below the modules: it imports only domain, contract and errors',
        },
      ],
    }),
  },
  {
    files: ['server/src/domain/**/*.ts', 'server/src/contract/**/*.ts'],
    rules: restrictImports({
      patterns: [
        {
          regex: '^\\.\\./(modules|adapters|http|cli|bench|testing)/|^\\.\\./(index|main)\\.js$',
          message: 'domain and contract are the base layer: they import nothing of the server above them',
        },
      ],
    }),
  },
  {
    files: ['server/src/adapters/**/*.ts'],
    ignores: ['server/src/adapters/**/*.test.ts'],
    rules: restrictImports({
      patterns: [
        {
          regex: '^\\.\\./\\.\\./(modules|http|cli|bench|testing)/|^\\.\\./\\.\\./(index|main)\\.js$',
          message: 'adapters speak their own types; they never import modules or the HTTP layer',
        },
      ],
    }),
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: 'server/src/(?!contract/)', message: 'the renderer talks HTTP; only contract types are shared' },
          ],
        },
      ],
    },
  },
);
