import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config';
import type { Role } from '../../src/domain/roles';

export interface TokenClaims {
  agency?: string;
  person?: string;
  subject?: string;
  /** A person's token says real-name authentication unless given (`null`: none). */
  acr?: string | null;
}

export interface TestTokens {
  /** The public key's file, for the API's AUTH_PUBLIC_KEY_FILE. */
  publicKeyFile: string;
  /** A bearer token for a role, as the city's identity provider would issue it. */
  token(role: Role, claims?: TokenClaims): Promise<string>;
}

/** A fresh signing key of a test platform: its public half in `dir`, its tokens signed for `config`'s issuer and audience. */
export async function createTestTokens(dir: string, config: () => Pick<Config, 'AUTH_ISSUER' | 'AUTH_AUDIENCE'>): Promise<TestTokens> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicKeyFile = join(dir, 'auth-public.pem');
  writeFileSync(publicKeyFile, await exportSPKI(publicKey));
  return {
    publicKeyFile,
    token(role, claims = {}) {
      const acr = claims.acr === undefined ? (role === 'person' ? 'real-name' : null) : claims.acr;
      return new SignJWT({
        role,
        ...(claims.agency ? { agency: claims.agency } : {}),
        ...(claims.person ? { person: claims.person } : {}),
        ...(acr ? { acr } : {}),
      })
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject(claims.subject ?? `test-${role}`)
        .setIssuer(config().AUTH_ISSUER)
        .setAudience(config().AUTH_AUDIENCE)
        .setExpirationTime('1h')
        .sign(privateKey);
    },
  };
}
