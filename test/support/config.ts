import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';

/** A valid configuration with fresh keys, as the tests' client, worker and API use it. */
export const testConfig = loadConfig({
  PAYLOAD_KEY: randomBytes(32).toString('base64'),
  IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
  AUTH_PUBLIC_KEY_FILE: 'set-by-the-e2e-harness',
  LOG_LEVEL: 'silent',
});
