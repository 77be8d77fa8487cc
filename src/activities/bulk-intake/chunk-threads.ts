import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { Config } from '../../config';
import { projectRoot } from '../../project-root';
import type { ChunkInput, ChunkResult } from './chunk';

/** The threads that check and store the staged chunks of bulk intake. */
export interface ChunkStoringThreads {
  store(input: ChunkInput): Promise<ChunkResult | 'no-such-chunk'>;
  close(): Promise<void>;
}

/**
 * Checking a chunk's rows (JSON, the record schema, identity numbers, their keyed hashes) is CPU
 * work that would otherwise hold the worker's one event loop: on threads, with a database
 * connection each, chunks are checked on every core while Postgres stores the ones already
 * checked.
 */
export function createChunkStoringThreads(
  settings: { databaseUrl: string } & Pick<Config, 'IDENTITY_ENCRYPTION_KEY' | 'IDENTITY_HASH_KEY'>,
  options: { startNow?: boolean } = {},
): ChunkStoringThreads {
  const maxThreads = availableParallelism();
  const threads = new Piscina<ChunkInput, ChunkResult | 'no-such-chunk'>({
    filename: join(projectRoot, 'src', 'activities', 'bulk-intake', 'chunk-thread.mjs'),
    workerData: {
      databaseUrl: settings.databaseUrl,
      IDENTITY_ENCRYPTION_KEY: settings.IDENTITY_ENCRYPTION_KEY,
      IDENTITY_HASH_KEY: settings.IDENTITY_HASH_KEY,
    },
    maxThreads,
    // A thread checks one chunk while its other chunk waits on the database.
    concurrentTasksPerWorker: 2,
    // A platform worker has them ready for the first batch; a test bed starts them only if it sends one.
    minThreads: options.startNow ? maxThreads : 0,
    idleTimeout: 60_000,
    // A chunk's checked rows live until it is stored: in a young generation this large most of
    // them die there instead of being copied into the old one (about 4% more records a second
    // than V8's default on a million rows).
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  return {
    store: (input) => threads.run(input),
    close: () => threads.destroy(),
  };
}
