// Runs the tests of each article of the measures on their own, as `npx vitest run -t "Art. N"`
// does, and reports any article whose tests fail alone (they must not lean on tests run before
// them). The articles are read from the test titles.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = readdirSync(join(root, 'test'), { recursive: true }).filter((file) => String(file).endsWith('.test.ts'));
const titles = files.flatMap((file) => [...readFileSync(join(root, 'test', String(file)), 'utf8').matchAll(/\b(?:describe|it)\(\s*['"`]([^'"`]*)/g)].map((m) => m[1]));
const articles = [...new Set(titles.flatMap((title) => [...title.matchAll(/Art\. ?(\d+)/g)].map((m) => Number(m[1]))))].sort((a, b) => a - b);

const failed = [];
for (const article of articles) {
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', '-t', `Art. ${article}`], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const summary = /Tests\s+(.*)/.exec(run.stdout)?.[1]?.trim() ?? 'no summary';
  process.stdout.write(`Art. ${article}: ${run.status === 0 ? 'passes alone' : 'FAILS alone'} (${summary}; ${Math.round((Date.now() - started) / 1000)} s)\n`);
  if (run.status !== 0) failed.push(article);
}
if (failed.length > 0) {
  process.stdout.write(`Failing alone: ${failed.map((a) => `Art. ${a}`).join(', ')}\n`);
  process.exit(1);
}
