import { parseArgs } from 'node:util';
import { mintDevToken } from './dev-token';

/**
 * `npm run token -- <role> [--agency id] [--person uuid] [--subject name] [--acr value] [--hours n]`:
 * prints a dev bearer token for the local platform (src/workers/dev-token.ts).
 */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      agency: { type: 'string' },
      person: { type: 'string' },
      subject: { type: 'string' },
      acr: { type: 'string' },
      hours: { type: 'string', default: '8' },
    },
  });
  process.stdout.write(`${await mintDevToken({ role: positionals[0] ?? '', ...values, hours: Number(values.hours) })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
