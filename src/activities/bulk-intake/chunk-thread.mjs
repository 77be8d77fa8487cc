// A chunk-storing thread (chunk-threads.ts). It loads the TypeScript sources through tsx
// itself: a thread does not inherit the loader of whatever started the process (a test runner's).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { storeStagedChunk } = await import('./chunk.ts');
const { IdentityProtection } = await import('../../db/persons.ts');
const { createPool } = await import('../../db/pool.ts');

const identity = new IdentityProtection(workerData);
const pool = createPool(workerData.databaseUrl, 2);
// A connection the server drops while idle is replaced on the next chunk; it must not end the thread.
pool.on('error', () => undefined);

export default (input) => storeStagedChunk(pool, identity, input);
