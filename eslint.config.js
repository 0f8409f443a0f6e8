// Lint, including the layering rules (STYLE.md §2): server/ never imports electron or the
// renderer; domain modules never import dockerode or lowdb (adapters do); modules reach each
// other only through their index.ts.
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
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'server/ is a plain Node library: electron stays in electron/' }],
        patterns: [{ group: ['**/renderer/**', '**/electron/**'], message: 'server/ never imports the renderer or electron' }],
      }],
    },
  },
  {
    files: ['server/src/modules/**/*.ts'],
    ignores: ['server/src/modules/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'electron', message: 'server/ is a plain Node library' },
          { name: 'dockerode', message: 'domain code speaks DockerEngine (adapters/docker)' },
          { name: 'lowdb', message: 'domain code speaks Store (adapters/store)' },
          { name: 'lowdb/node', message: 'domain code speaks Store (adapters/store)' },
        ],
        patterns: [
          { group: ['../*/*', '!../*/index.js', '!../../**'], message: 'import another module through its index.ts' },
          { group: ['**/renderer/**', '**/electron/**'], message: 'server/ never imports the renderer or electron' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: 'server/src/(?!contract/)', message: 'the renderer talks HTTP; only contract types are shared' }],
      }],
    },
  },
);
