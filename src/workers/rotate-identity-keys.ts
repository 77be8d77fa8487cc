import { loadConfig } from '../config';
import { rotateIdentityKeys } from '../db/identity-rotation';
import { IdentityProtection } from '../db/persons';
import { createPool } from '../db/pool';

/**
 * `npm run rotate-identity-keys`: re-keys every stored identity number (docs/api.md "Rotating the
 * identity keys"). The new keys are IDENTITY_ENCRYPTION_KEY and IDENTITY_HASH_KEY, as the
 * platform will run with them; the old ones ROTATE_FROM_ENCRYPTION_KEY and ROTATE_FROM_HASH_KEY.
 * Needs DATABASE_URL. Run it with the platform stopped; running it again finishes an interrupted run.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, 'worker');
  const { ROTATE_FROM_ENCRYPTION_KEY: fromEncryption, ROTATE_FROM_HASH_KEY: fromHash } = process.env;
  if (!fromEncryption || !fromHash) throw new Error('Set ROTATE_FROM_ENCRYPTION_KEY and ROTATE_FROM_HASH_KEY to the keys being replaced');
  if (!config.DATABASE_URL) throw new Error('Set DATABASE_URL to the platform database');
  const pool = createPool(config.DATABASE_URL, 2);
  try {
    const result = await rotateIdentityKeys(pool, {
      from: new IdentityProtection({ IDENTITY_ENCRYPTION_KEY: fromEncryption, IDENTITY_HASH_KEY: fromHash }),
      to: new IdentityProtection(config),
    });
    process.stdout.write(`${result.persons} persons read, ${result.rekeyed} re-keyed\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
