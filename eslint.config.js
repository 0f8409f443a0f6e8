// Lint, including the layering rules (STYLE.md §2): server/ never imports electron or the
// renderer; domain modules never import dockerode or lowdb (adapters do); modules reach each
// other only through their index.ts; layers import only downward:
// contract, domain → http, adapters → modules → index.ts.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'server/ is a plain Node library: electron stays in electron/' }],
          patterns: [
            { group: ['**/renderer/**', '**/electron/**'], message: 'server/ never imports the renderer or electron' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/modules/**/*.ts'],
    ignores: ['server/src/modules/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'server/ is a plain Node library' },
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
            { group: ['**/renderer/**', '**/electron/**'], message: 'server/ never imports the renderer or electron' },
          ],
        },
      ],
    },
  },
  {
    // the library users import (startEmulator, the Playwright fixture) ships: never the project's own test code
    files: ['server/src/emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'server/ is a plain Node library' }],
          patterns: [
            {
              regex: '^\\.\\./(cli|bench|testing|integration|faults)/',
              message: 'the emulator library ships in the package: it never imports the CLI or test code',
            },
            { group: ['**/renderer/**', '**/electron/**'], message: 'server/ never imports the renderer or electron' },
          ],
        },
      ],
    },
  },
  {
    // http/ holds transport helpers (error answers, guards, SSE, validation): below the modules
    files: ['server/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(modules|adapters|cli|bench|testing)/|^\\.\\./(index|main)\\.js$',
              message: 'http/ is below the modules: it imports only domain, contract and errors',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/domain/**/*.ts', 'server/src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(modules|adapters|http|cli|bench|testing)/|^\\.\\./(index|main)\\.js$',
              message: 'domain and contract are the base layer: they import nothing of the server above them',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/adapters/**/*.ts'],
    ignores: ['server/src/adapters/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./(modules|http|cli|bench|testing)/|^\\.\\./\\.\\./(index|main)\\.js$',
              message: 'adapters speak their own types; they never import modules or the HTTP layer',
            },
          ],
        },
      ],
    },
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
