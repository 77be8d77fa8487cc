import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type pg from 'pg';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { ApiError } from '../errors';

/** The media type of a score attestation (RFC 8725 explicit typing), so no other token passes for one. */
export const ATTESTATION_TYPE = 'credit-attestation+jwt';

/**
 * What an attestation says (Art. 19): a level and score of one scenario on a day, and a digest
 * binding it to the person's identity number without showing it: base64url(scrypt(number, nonce,
 * 32 bytes, N 2^14, r 8, p 1)). A verifier computes the digest from the number the person shows
 * them. An identity number has few possible values, so a fast hash would give it away to anyone
 * holding the token; scrypt makes guessing cost about 50 ms a try, which stops harvesting numbers
 * from tokens, though not a guess narrowed to a known birth date and district.
 */
export interface AttestationClaims {
  scenario: string;
  score: number;
  level: string;
  model: string;
  on: string;
  nonce: string;
  id_digest: string;
}

export const DIGEST_PARAMETERS = { N: 2 ** 14, r: 8, p: 1 } as const;

/** Off the event loop (libuv's pool): 50 ms of hashing must not stall every other request. */
export async function identityDigest(nonce: string, identityNumber: string): Promise<string> {
  const digest = await new Promise<Buffer>((resolve, reject) => {
    scrypt(identityNumber.toUpperCase(), nonce, 32, DIGEST_PARAMETERS, (error, key) => (error ? reject(error) : resolve(key)));
  });
  return digest.toString('base64url');
}

export interface AttestationSigner {
  /** Signs an attestation for the person who holds `identityNumber`, valid for the configured minutes. */
  sign(claims: Omit<AttestationClaims, 'nonce' | 'id_digest'>, identityNumber: string): Promise<{ attestation: string; expiresAt: string }>;
  /** The published key set: the signing key and the retired keys still valid for attestations in circulation. */
  jwks(): { keys: JWK[] };
}

/** The platform's attestation key from ATTESTATION_SIGNING_KEY, or in development one made now (a warning says so). */
export async function createAttestationSigner(
  config: Pick<Config, 'ATTESTATION_SIGNING_KEY' | 'ATTESTATION_RETIRED_KEYS' | 'ATTESTATION_TTL_MINUTES' | 'ATTESTATION_ISSUER'>,
  logger: Logger,
): Promise<AttestationSigner> {
  let privateJwk: JWK;
  if (config.ATTESTATION_SIGNING_KEY) {
    privateJwk = JSON.parse(config.ATTESTATION_SIGNING_KEY) as JWK;
  } else {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: `ephemeral-${randomBytes(4).toString('hex')}` };
    logger.warn('attestations are signed with a key made at start-up; set ATTESTATION_SIGNING_KEY to keep them verifiable across restarts');
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, 'ES256');
  const published = { keys: [{ ...publicJwk, alg: 'ES256', use: 'sig' }, ...(config.ATTESTATION_RETIRED_KEYS as JWK[])] };
  return {
    async sign(claims, identityNumber) {
      const nonce = randomBytes(16).toString('base64url');
      const expires = Math.floor(Date.now() / 1000) + config.ATTESTATION_TTL_MINUTES * 60;
      const attestation = await new SignJWT({ ...claims, nonce, id_digest: await identityDigest(nonce, identityNumber) })
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid!, typ: ATTESTATION_TYPE })
        .setIssuer(config.ATTESTATION_ISSUER)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(expires)
        .sign(key);
      return { attestation, expiresAt: new Date(expires * 1000).toISOString() };
    },
    jwks: () => published,
  };
}

/**
 * A partner city's attestation (Art. 19), verified against the key set registered for its issuer
 * and bound to the identity number the person shows; its level mapped onto ours. A stranger's,
 * a tampered or expired one, or one about someone else is refused with the reason.
 */
export async function partnerLevel(pool: pg.Pool, attestation: string, identityNumber: string): Promise<{ partnerId: string; level: string; theirLevel: string }> {
  const invalid = (reason: string) => new ApiError(422, 'invalid-attestation', `The attestation is not valid: ${reason}`, 'body.attestation');
  let issuer: string | undefined;
  try {
    issuer = decodeJwt(attestation).iss;
  } catch {
    throw invalid('it is not a signed token');
  }
  const found = await pool.query<{ id: string; jwks: { keys: JWK[] }; level_mapping: Record<string, string> }>('SELECT id, jwks, level_mapping FROM partner_cities WHERE issuer = $1', [
    issuer ?? '',
  ]);
  const partner = found.rows[0];
  if (!issuer || !partner) throw new ApiError(422, 'unknown-issuer', `${issuer ?? 'An attestation without an issuer'} is not a partner city`, 'body.attestation');
  let claims: Partial<AttestationClaims>;
  try {
    ({ payload: claims } = await jwtVerify<Partial<AttestationClaims>>(attestation, createLocalJWKSet(partner.jwks), { issuer, typ: ATTESTATION_TYPE, algorithms: ['ES256'] }));
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'unreadable');
  }
  if (typeof claims.nonce !== 'string' || claims.id_digest !== (await identityDigest(claims.nonce, identityNumber))) throw invalid('it is about another person');
  const level = typeof claims.level === 'string' ? partner.level_mapping[claims.level] : undefined;
  if (!level) throw invalid(`the level ${String(claims.level)} has no counterpart here`);
  return { partnerId: partner.id, level, theirLevel: claims.level! };
}
