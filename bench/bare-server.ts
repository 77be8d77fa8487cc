/**
 * The benchmarks' baseline, run as its own process like the API: Fastify answering one indexed
 * single-row read of the platform's database (a person's base score). `BARE_PORT`, `DATABASE_URL`.
 */
import Fastify from 'fastify';
import { createPool } from '../src/db/pool';

const pool = createPool(process.env.DATABASE_URL!, 10);
const bare = Fastify();
bare.get<{ Params: { personId: string } }>('/bare/:personId', async (request) => {
  const found = await pool.query({ name: 'bare', text: 'SELECT score, level FROM scores WHERE person_id = $1 AND scenario = $2', values: [request.params.personId, 'base'] });
  return found.rows[0] ?? null;
});
await bare.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT) });
process.stdout.write('listening\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void bare.close().then(() => pool.end()).then(() => process.exit(0)));
