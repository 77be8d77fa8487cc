import type pg from 'pg';
import type { IdentityProtection } from './persons';
import { withTransaction } from './transaction';

/**
 * Re-keys every person's identity number (PIPL art. 51: keys are rotated): decrypted with the
 * key it was sealed with, sealed again and hashed under the new keys, a batch per transaction.
 * A row already under the new keys is left alone, so an interrupted rotation is simply run again.
 * Lookups use the new hash key only: run it with the platform stopped and no record-sharing,
 * bulk-intake or civic-event workflow open, whose inputs carry references under the old keys.
 */
export async function rotateIdentityKeys(
  pool: pg.Pool,
  keys: { from: IdentityProtection; to: IdentityProtection },
  batchSize = 1000,
): Promise<{ persons: number; rekeyed: number }> {
  let after = '00000000-0000-0000-0000-000000000000';
  let persons = 0;
  let rekeyed = 0;
  for (;;) {
    const batch = await pool.query<{ id: string; id_number_hash: Buffer; id_number_encrypted: Buffer }>(
      'SELECT id, id_number_hash, id_number_encrypted FROM persons WHERE id > $1 ORDER BY id LIMIT $2',
      [after, batchSize],
    );
    if (batch.rows.length === 0) return { persons, rekeyed };
    persons += batch.rows.length;
    after = batch.rows.at(-1)!.id;
    const changes = batch.rows.flatMap((row) => {
      const underNewKey = opened(keys.to, row.id_number_encrypted);
      const identityNumber = underNewKey ?? keys.from.decrypt(row.id_number_encrypted);
      const hash = keys.to.lookupKey(identityNumber);
      if (underNewKey !== undefined && row.id_number_hash.toString('hex') === hash) return [];
      return [{ id: row.id, hash, sealed: keys.to.encrypt(identityNumber) }];
    });
    if (changes.length === 0) continue;
    await withTransaction(pool, (db) =>
      db.query(
        `UPDATE persons p SET id_number_hash = decode(c.hash, 'hex'), id_number_encrypted = c.sealed, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::bytea[]) AS c (id, hash, sealed) WHERE p.id = c.id`,
        [changes.map((c) => c.id), changes.map((c) => c.hash), changes.map((c) => c.sealed)],
      ),
    );
    rekeyed += changes.length;
  }
}

/** The number sealed under these keys, or undefined if it was sealed under others. */
function opened(protection: IdentityProtection, sealed: Buffer): string | undefined {
  try {
    return protection.decrypt(sealed);
  } catch {
    return undefined;
  }
}
