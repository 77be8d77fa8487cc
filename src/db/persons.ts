import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../config';
import type { IdentityNumber } from '../domain/identity-number';
import type { SealedPerson } from '../domain/record';
import type { PersonStanding } from '../domain/scope';
import type { LocalDate } from '../domain/working-days';
import { plainArray } from './arrays';
import { KeyedHash } from './keyed-hash';

/**
 * Art. 22: identity numbers are stored encrypted (AES-256-GCM) and found through a keyed hash
 * (HMAC-SHA-256), so the database never holds one in clear and a leaked table cannot be
 * searched by someone who lacks the hash key.
 */
export class IdentityProtection {
  private readonly encryptionKey: Buffer;
  private readonly keyedHash: KeyedHash;

  /** Random IVs drawn a few thousand at a time: one draw per seal cost more than the sealing. */
  private ivs = Buffer.alloc(0);
  private nextIv = 0;

  constructor(config: Pick<Config, 'IDENTITY_ENCRYPTION_KEY' | 'IDENTITY_HASH_KEY'>) {
    this.encryptionKey = Buffer.from(config.IDENTITY_ENCRYPTION_KEY, 'base64');
    this.keyedHash = new KeyedHash(Buffer.from(config.IDENTITY_HASH_KEY, 'base64'));
  }

  /** The keyed hash by which a person is found, in hex. */
  lookupKey(identityNumber: string): string {
    return this.keyedHash.hex(identityNumber.toUpperCase());
  }

  /** Writes the keyed hash by which a person is found, its 32 bytes, into `target` at `offset`. */
  writeLookupKey(identityNumber: string, target: Buffer, offset: number): void {
    this.keyedHash.write(identityNumber.toUpperCase(), target, offset);
  }

  encrypt(identityNumber: string): Buffer {
    return this.seal(Buffer.from(identityNumber, 'utf8'));
  }

  decrypt(sealed: Buffer): string {
    return this.open(sealed).toString('utf8');
  }

  /** AES-256-GCM under the identity key: IV, ciphertext, tag. Also seals staged rows that hold identity numbers. */
  seal(plain: Buffer): Buffer {
    if (this.nextIv === this.ivs.length) {
      this.ivs = randomBytes(12 * 4096);
      this.nextIv = 0;
    }
    const iv = this.ivs.subarray(this.nextIv, (this.nextIv += 12));
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  open(sealed: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
  }

  /** The opaque form in which a person travels through workflows. */
  sealedPerson(identity: IdentityNumber): SealedPerson {
    return {
      key: this.lookupKey(identity.value),
      sealed: this.encrypt(identity.value).toString('base64'),
      birthDate: identity.birthDate,
    };
  }
}

export interface PersonRow {
  id: string;
  birth_date: string;
  residency: PersonStanding['residency'];
  residence_permit_valid_until: string | null;
  civil_capacity: PersonStanding['civilCapacity'];
}

const KEY_BYTES = 32;

/**
 * The persons that many identity numbers name, each once, in the order first named: what
 * registering them takes, and their keyed hashes side by side in one buffer, which goes to
 * Postgres as a single bytea (no hex text, no array of ten thousand elements to parse).
 */
export class NamedPersons {
  readonly identities: { identityNumber: string; birthDate: LocalDate }[] = [];
  private keys = Buffer.alloc(KEY_BYTES * 1024);
  private readonly slots = new Map<string, number>();

  constructor(private readonly protection: IdentityProtection) {}

  /** The place among the named of the person an identity number names, naming them if new. */
  slotOf(identityNumber: string, birthDate: LocalDate): number {
    let slot = this.slots.get(identityNumber);
    if (slot === undefined) {
      slot = this.identities.push({ identityNumber, birthDate }) - 1;
      this.slots.set(identityNumber, slot);
      if (this.keys.length < KEY_BYTES * (slot + 1)) {
        const grown = Buffer.alloc(this.keys.length * 2);
        this.keys.copy(grown);
        this.keys = grown;
      }
      this.protection.writeLookupKey(identityNumber, this.keys, KEY_BYTES * slot);
    }
    return slot;
  }

  get count(): number {
    return this.identities.length;
  }

  /** The keyed hashes of the named, KEY_BYTES each, in order. */
  keyBytes(): Buffer {
    return this.keys.subarray(0, KEY_BYTES * this.count);
  }
}

/**
 * The ids of the persons many identity numbers name, in the order they are named, registering
 * those seen for the first time with residency and civil capacity unconfirmed (Art. 3); runs
 * within a transaction. Each is found through the unique index, never by scanning the registry.
 * New keys are inserted in key order, so two transactions registering the same persons cannot
 * deadlock; one registered meanwhile by another transaction is read once that transaction has committed.
 */
export async function personIdsOf(db: pg.PoolClient, protection: IdentityProtection, named: NamedPersons): Promise<string[]> {
  const ids: string[] = new Array(named.count);
  if (named.count === 0) return ids;
  // A person comes back with its place among the named: no lookup per key on this side.
  const read = (rows: { slot: number; id: string }[]) => {
    for (const row of rows) ids[row.slot] = row.id;
  };
  const keys = named.keyBytes();
  const hashAt = (keysParameter: string) => `substring(${keysParameter}::bytea FROM slot * ${KEY_BYTES} + 1 FOR ${KEY_BYTES})`;
  // Every named person at first (their places counted by Postgres, not sent); those registered
  // meanwhile by another transaction, afterwards.
  const find = async (slots: string, values: unknown[]) => {
    const found = await db.query<{ slot: number; id: string }>(
      `WITH named AS MATERIALIZED (SELECT ${hashAt('$1')} AS hash, slot FROM ${slots} AS slot)
       SELECT named.slot, persons.id FROM persons JOIN named ON named.hash = persons.id_number_hash
       WHERE persons.id_number_hash = ANY(ARRAY(SELECT hash FROM named))`,
      [keys, ...values],
    );
    read(found.rows);
  };
  await find('generate_series(0, $2::int - 1)', [named.count]);
  const fresh = named.identities.flatMap((_, slot) => (ids[slot] === undefined ? [slot] : []));
  if (fresh.length === 0) return ids;
  // Time-ordered ids: a batch's new persons go at the end of the primary key's index.
  const freshIds = fresh.map(() => uuidv7());
  const values = [
    plainArray(freshIds),
    keys,
    plainArray(fresh.map((slot) => protection.encrypt(named.identities[slot]!.identityNumber).toString('hex'))),
    plainArray(fresh.map((slot) => named.identities[slot]!.birthDate)),
    plainArray(fresh),
  ];
  const freshRows = `SELECT id, ${hashAt('$2')} AS hash, sealed, birth_date, slot
       FROM unnest($1::uuid[], $3::text[], $4::date[], $5::int[]) AS fresh (id, sealed, birth_date, slot)`;
  // Another transaction registering some of the same persons at the same time is rare: a plain
  // INSERT costs two thirds of one that arbitrates conflicts. When it does happen, the plain one
  // is undone and the arbitrating one runs.
  await db.query('SAVEPOINT register_persons');
  try {
    await db.query(
      `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, residence_permit_valid_until, civil_capacity)
       SELECT id, hash, decode(sealed, 'hex'), birth_date, NULL, NULL, NULL FROM (${freshRows}) AS fresh ORDER BY hash`,
      values,
    );
    await db.query('RELEASE SAVEPOINT register_persons');
    for (const [i, slot] of fresh.entries()) ids[slot] = freshIds[i]!;
    return ids;
  } catch (error) {
    const { code, constraint } = error as { code?: string; constraint?: string };
    if (code !== '23505' || constraint !== 'persons_id_number_hash_key') throw error;
    await db.query('ROLLBACK TO SAVEPOINT register_persons');
  }
  const inserted = await db.query<{ slot: number; id: string }>(
    `WITH fresh AS (${freshRows}),
     inserted AS (
       INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
       SELECT id, hash, decode(sealed, 'hex'), birth_date FROM fresh ORDER BY hash
       ON CONFLICT (id_number_hash) DO NOTHING
       RETURNING id)
     SELECT fresh.slot, inserted.id FROM inserted JOIN fresh USING (id)`,
    values,
  );
  read(inserted.rows);
  const registeredMeanwhile = fresh.filter((slot) => ids[slot] === undefined);
  if (registeredMeanwhile.length > 0) await find('unnest($2::int[])', [plainArray(registeredMeanwhile)]);
  return ids;
}
