import { runner } from 'node-pg-migrate';
import { join } from 'node:path';
import { projectRoot } from '../project-root';

export const MIGRATIONS_DIR = join(projectRoot, 'src', 'db', 'migrations');

/** Applies every pending migration; safe to run on each start (it takes an advisory lock). */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log: () => undefined,
  });
  return applied.map((migration) => migration.name);
}
