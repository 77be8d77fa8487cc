import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Art. 22: identity numbers are stored encrypted (AES-256-GCM) and found through a keyed hash
 * (HMAC-SHA-256), so the database never holds one in clear and a leaked table cannot be
 * searched by someone who lacks the hash key.
 */
export class IdentityProtection {
  private readonly encryptionKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(config: Pick<Config, 'IDENTITY_ENCRYPTION_KEY' | 'IDENTITY_HASH_KEY'>) {
    this.encryptionKey = Buffer.from(config.IDENTITY_ENCRYPTION_KEY, 'base64');
    this.hashKey = Buffer.from(config.IDENTITY_HASH_KEY, 'base64');
  }

  lookupHash(identityNumber: string): Buffer {
    return createHmac('sha256', this.hashKey).update(identityNumber.toUpperCase()).digest();
  }

  encrypt(identityNumber: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    return Buffer.concat([iv, cipher.update(identityNumber, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
  }
}

/** The opaque id of the person with this identity number, registering them on first sight. */
export async function personIdFor(db: Queryable, protection: IdentityProtection, identityNumber: string): Promise<string> {
  // GB 11643's check character X may arrive in either case.
  const normalized = identityNumber.toUpperCase();
  const result = await db.query<{ id: string }>(
    `INSERT INTO persons (id, id_number_hash, id_number_encrypted) VALUES ($1, $2, $3)
     ON CONFLICT (id_number_hash) DO UPDATE SET id_number_hash = EXCLUDED.id_number_hash
     RETURNING id`,
    [randomUUID(), protection.lookupHash(normalized), protection.encrypt(normalized)],
  );
  return result.rows[0]!.id;
}
