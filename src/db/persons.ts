import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '../config';
import type { IdentityNumber } from '../domain/identity-number';
import type { PersonReference } from '../domain/record';
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

  /** The keyed hash by which a person is found, in hex (a digest straight to hex costs half of one to a Buffer). */
  lookupKey(identityNumber: string): string {
    return this.keyedHash.hex(identityNumber.toUpperCase());
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
  reference(identity: IdentityNumber): PersonReference {
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

export function standingOf(row: PersonRow): PersonStanding {
  return {
    birthDate: row.birth_date,
    residency: row.residency,
    residencePermitValidUntil: row.residence_permit_valid_until,
    civilCapacity: row.civil_capacity,
  };
}

const PERSON_COLUMNS = 'id, birth_date, residency, residence_permit_valid_until, civil_capacity';

/** A person named by identity number: the keyed hash (hex) that finds them, and what registering them takes. */
export interface NamedPerson {
  key: string;
  identityNumber: string;
  birthDate: LocalDate;
}

/**
 * The persons of many identity numbers at once, in the order they are named, registering those
 * seen for the first time with residency unconfirmed (Art. 3). Each is found through the unique
 * index, never by scanning the registry. New keys are inserted in order, so two transactions
 * registering the same persons cannot deadlock; one registered meanwhile by another transaction is
 * read once that transaction has committed.
 */
export async function personsOf(db: pg.PoolClient, protection: IdentityProtection, named: readonly NamedPerson[]): Promise<PersonRow[]> {
  const persons: PersonRow[] = new Array(named.length);
  if (named.length === 0) return persons;
  // Keys travel as hex text, and each person comes back with its place among the named: no
  // Buffer, no escaping and no lookup per key on this side.
  const read = (rows: (PersonRow & { slot: number })[]) => {
    for (const row of rows) persons[row.slot] = row;
  };
  const find = async (slots: number[]) => {
    const found = await db.query<PersonRow & { slot: number }>(
      `WITH named AS (SELECT decode(key, 'hex') AS hash, slot FROM unnest($1::text[], $2::int[]) AS named (key, slot))
       SELECT named.slot, ${PERSON_COLUMNS} FROM persons JOIN named ON named.hash = persons.id_number_hash
       WHERE persons.id_number_hash = ANY(ARRAY(SELECT hash FROM named))`,
      [plainArray(slots.map((slot) => named[slot]!.key)), plainArray(slots)],
    );
    read(found.rows);
  };
  await find(named.map((_, slot) => slot));
  const fresh = named.flatMap((_, slot) => (persons[slot] === undefined ? [slot] : [])).sort((a, b) => (named[a]!.key < named[b]!.key ? -1 : 1));
  if (fresh.length === 0) return persons;
  const inserted = await db.query<PersonRow & { slot: number }>(
    `WITH fresh AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::int[]) AS fresh (id, key, sealed, birth_date, slot)),
     inserted AS (
       INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
       SELECT id, decode(key, 'hex'), decode(sealed, 'hex'), birth_date FROM fresh ORDER BY key
       ON CONFLICT (id_number_hash) DO NOTHING
       RETURNING ${PERSON_COLUMNS})
     SELECT fresh.slot, ${PERSON_COLUMNS.split(', ').map((column) => `inserted.${column}`).join(', ')} FROM inserted JOIN fresh USING (id)`,
    [
      // Time-ordered ids keep the persons' and the records' person index appends close together.
      plainArray(fresh.map(() => uuidv7())),
      plainArray(fresh.map((slot) => named[slot]!.key)),
      plainArray(fresh.map((slot) => protection.encrypt(named[slot]!.identityNumber).toString('hex'))),
      plainArray(fresh.map((slot) => named[slot]!.birthDate)),
      plainArray(fresh),
    ],
  );
  read(inserted.rows);
  const registeredMeanwhile = fresh.filter((slot) => persons[slot] === undefined);
  if (registeredMeanwhile.length > 0) await find(registeredMeanwhile);
  return persons;
}
