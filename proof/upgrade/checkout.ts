import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root';
import { manifestOf } from '../../test/replay/corpus';

/** A previous release's code, checked out beside this one, ready to run. */
export interface ReleaseCheckout {
  release: string;
  commit: string;
  dir: string;
  /** How its packages came: this checkout's own (the same locked versions) or installed for it. */
  packages: 'shared' | 'installed';
  remove(): void;
}

type Lock = { packages: Record<string, { version?: string }> };
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lock;

/** Every package the release locked is installed here at the same version: it can run on this checkout's node_modules. */
function lockedWithin(release: Lock, current: Lock): boolean {
  return Object.entries(release.packages).every(([path, entry]) => path === '' || current.packages[path]?.version === entry.version);
}

/**
 * The code of a kept release (the commit its corpus was captured from, in its manifest), as a git
 * worktree under scratch/, so the proof runs that release's own worker and API against the same
 * servers. Needs the repository's history, which a clone has.
 */
export function checkoutRelease(release: string): ReleaseCheckout {
  const { commit } = manifestOf(release);
  const dir = join(projectRoot, 'scratch', `release-${release}`);
  mkdirSync(join(projectRoot, 'scratch'), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (existsSync(dir)) git('worktree', 'remove', '--force', dir);
  git('worktree', 'prune');
  git('worktree', 'add', '--detach', dir, commit);
  let packages: ReleaseCheckout['packages'] = 'shared';
  if (lockedWithin(lockOf(dir), lockOf(projectRoot))) {
    symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } else {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
    packages = 'installed';
  }
  return {
    release,
    commit,
    dir,
    packages,
    remove() {
      rmSync(join(dir, 'node_modules'), { recursive: packages === 'installed', force: true });
      git('worktree', 'remove', '--force', dir);
    },
  };
}
