import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertPerson } from '../../src/db/record-store/writes';
import { rotateIdentityKeys } from '../../src/db/identity-rotation';
import { IdentityProtection } from '../../src/db/persons';
import { parseIdentityNumber } from '../../src/domain/identity-number';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { identityNumber } from '../support/identities';

const keys = () => new IdentityProtection({ IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), IDENTITY_HASH_KEY: randomBytes(32).toString('base64') });

describe('PIPL art. 51: the identity keys are rotated, every person kept', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('re-keys every stored identity number: found again under the new keys, unreadable under the old, and a second run changes nothing', async () => {
    const before = keys();
    const after = keys();
    const numbers = Array.from({ length: 25 }, (_, i) => identityNumber('1982-02-02', 200 + i));
    const reference = (protection: IdentityProtection, number: string) => {
      const parsed = parseIdentityNumber(number);
      if (!parsed.ok) throw new Error(parsed.reason);
      return protection.sealedPerson(parsed.identity);
    };
    const ids = [];
    for (const number of numbers) ids.push((await upsertPerson(db.pool, reference(before, number))).id);

    expect(await rotateIdentityKeys(db.pool, { from: before, to: after }, 10)).toEqual({ persons: 25, rekeyed: 25 });
    for (const [i, number] of numbers.entries()) {
      // The platform, restarted with the new keys, finds each person as before: no duplicate is made.
      expect((await upsertPerson(db.pool, reference(after, number))).id).toBe(ids[i]);
    }
    const stored = await db.pool.query<{ id: string; id_number_encrypted: Buffer }>('SELECT id, id_number_encrypted FROM persons ORDER BY id');
    expect(stored.rows).toHaveLength(25);
    for (const row of stored.rows) {
      expect(numbers).toContain(after.decrypt(row.id_number_encrypted));
      expect(() => before.decrypt(row.id_number_encrypted)).toThrow();
    }
    expect(await rotateIdentityKeys(db.pool, { from: before, to: after }, 10)).toEqual({ persons: 25, rekeyed: 0 });
  });
});
