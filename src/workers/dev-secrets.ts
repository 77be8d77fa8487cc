import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Local development only: the keys a production deployment must be given are generated on the
 * first local start and kept under the data folder, so a second start reads the same history.
 */
export interface DevSecrets {
  PAYLOAD_KEY: string;
  IDENTITY_ENCRYPTION_KEY: string;
  IDENTITY_HASH_KEY: string;
  /** Private signing key for `npm run token`, never used by the API itself. */
  authPrivateJwk: JWK;
  /** The platform's attestation key (Art. 19), as ATTESTATION_SIGNING_KEY; added to older dev folders on their next start. */
  ATTESTATION_SIGNING_KEY?: string;
}

async function attestationKey(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `dev-${randomBytes(4).toString('hex')}`, alg: 'ES256', use: 'sig' });
}

const SECRETS_FILE = 'dev-secrets.json';
const PUBLIC_KEY_FILE = 'dev-auth-public.pem';

export async function ensureDevSecrets(dataDir: string): Promise<{ secrets: DevSecrets; publicKeyFile: string }> {
  mkdirSync(dataDir, { recursive: true });
  const secretsPath = join(dataDir, SECRETS_FILE);
  const publicKeyFile = join(dataDir, PUBLIC_KEY_FILE);
  if (existsSync(secretsPath) && existsSync(publicKeyFile)) {
    const secrets = JSON.parse(readFileSync(secretsPath, 'utf8')) as DevSecrets;
    if (!secrets.ATTESTATION_SIGNING_KEY) {
      secrets.ATTESTATION_SIGNING_KEY = await attestationKey();
      writeFileSync(secretsPath, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    }
    return { secrets, publicKeyFile };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const secrets: DevSecrets = {
    PAYLOAD_KEY: randomBytes(32).toString('base64'),
    IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
    authPrivateJwk: await exportJWK(privateKey),
    ATTESTATION_SIGNING_KEY: await attestationKey(),
  };
  writeFileSync(secretsPath, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  writeFileSync(publicKeyFile, await exportSPKI(publicKey));
  return { secrets, publicKeyFile };
}

/**
 * Fills the environment's missing keys from the dev secrets. Values already set win, so a
 * developer can still try a production-like configuration locally.
 */
export async function withDevSecrets(env: NodeJS.ProcessEnv, dataDir: string): Promise<NodeJS.ProcessEnv> {
  const { secrets, publicKeyFile } = await ensureDevSecrets(dataDir);
  const filled: NodeJS.ProcessEnv = {
    PAYLOAD_KEY: secrets.PAYLOAD_KEY,
    IDENTITY_ENCRYPTION_KEY: secrets.IDENTITY_ENCRYPTION_KEY,
    IDENTITY_HASH_KEY: secrets.IDENTITY_HASH_KEY,
    ATTESTATION_SIGNING_KEY: secrets.ATTESTATION_SIGNING_KEY,
  };
  if (!env.AUTH_JWKS_URL) filled.AUTH_PUBLIC_KEY_FILE = publicKeyFile;
  for (const [name, value] of Object.entries(env)) if (value) filled[name] = value;
  return filled;
}
