/**
 * `npx tsx bench/profile-summary.ts <folder> [--top N]`: where the CPU went in the V8 CPU profiles
 * a benchmark wrote (`NODE_OPTIONS='--cpu-prof --cpu-prof-dir=<folder>'`, one file per thread):
 * for each profile its sampled time, then the functions by self time and by the package or
 * project folder they belong to, so a benchmark's figure can be taken apart without a browser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const folder = positionals[0];
if (!folder) throw new Error('usage: tsx bench/profile-summary.ts <folder of .cpuprofile files> [--top N]');
const TOP = Number(values.top);

/** Where a frame's code lives: a package, a folder of the project, Node's own code, or V8's states. */
function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const project = /\/(src|bench|test|proof)\/(.*?)(?:\/[^/]+)?$/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

const ms = (micros: number) => `${(micros / 1000).toFixed(0).padStart(7)} ms`;

for (const file of readdirSync(folder).filter((name) => name.endsWith('.cpuprofile')).sort()) {
  const profile = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((sum, t) => sum + t, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((sum, [, t]) => sum + t, 0);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, time] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const place = placeOf(url, functionName);
    const key = `${functionName || '(anonymous)'}  ${place}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
  }
  process.stdout.write(`\n${file}: ${ms(total - idle).trim()} busy of ${ms(total).trim()} sampled\n  by place\n`);
  for (const [place, time] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, TOP)) process.stdout.write(`  ${ms(time)}  ${place}\n`);
  process.stdout.write('  by function (self time)\n');
  for (const [name, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) process.stdout.write(`  ${ms(time)}  ${name}\n`);
}
