import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

const keys = {
  PAYLOAD_KEY: randomBytes(32).toString('base64'),
  IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
  AUTH_PUBLIC_KEY_FILE: '/etc/integrity/auth.pem',
};

function problems(env: NodeJS.ProcessEnv) {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('Configuration from the environment', () => {
  it('takes sensible defaults for everything but the keys', () => {
    const config = loadConfig(keys);
    expect(config).toMatchObject({ PLATFORM_ENV: 'development', TEMPORAL_NAMESPACE: 'default', API_PORT: 3000, TEMPORAL_UI_PORT: 8233 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.CODEC_CORS_ORIGINS).toEqual(['http://localhost:8233', 'http://127.0.0.1:8233']);
  });

  it('names a missing key', () => {
    expect(problems({ ...keys, PAYLOAD_KEY: undefined })).toEqual([{ variable: 'PAYLOAD_KEY', message: 'is required' }]);
  });

  it('names a key of the wrong length', () => {
    expect(problems({ ...keys, IDENTITY_HASH_KEY: 'c2hvcnQ=' })[0]).toMatchObject({ variable: 'IDENTITY_HASH_KEY' });
  });

  it('names a malformed DATABASE_URL or TEMPORAL_ADDRESS', () => {
    expect(problems({ ...keys, DATABASE_URL: 'mysql://x' })[0]).toMatchObject({ variable: 'DATABASE_URL' });
    expect(problems({ ...keys, TEMPORAL_ADDRESS: 'localhost' })[0]).toMatchObject({ variable: 'TEMPORAL_ADDRESS' });
  });

  it("bounds a worker's workflow cache only when told, and names a count that is not one", () => {
    expect(loadConfig(keys).WORKER_CACHED_WORKFLOWS).toBeUndefined();
    expect(loadConfig({ ...keys, WORKER_CACHED_WORKFLOWS: '200' }).WORKER_CACHED_WORKFLOWS).toBe(200);
    expect(problems({ ...keys, WORKER_CACHED_WORKFLOWS: 'many' })[0]).toMatchObject({ variable: 'WORKER_CACHED_WORKFLOWS', message: expect.stringContaining('whole number') });
  });

  it('needs a way to verify tokens', () => {
    expect(problems({ ...keys, AUTH_PUBLIC_KEY_FILE: undefined })[0]).toMatchObject({ variable: 'AUTH_PUBLIC_KEY_FILE' });
  });

  it('never puts a value in its message', () => {
    const error = (() => {
      try {
        loadConfig({ ...keys, DATABASE_URL: 'postgres://user:s3cret@db' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('DATABASE_URL');
    expect(error?.message).not.toContain('s3cret');
  });
});

describe('Configuration of payload key rotation', () => {
  it('reads retired payload keys by id', () => {
    const retired = randomBytes(32).toString('base64');
    expect(loadConfig({ ...keys, PAYLOAD_PREVIOUS_KEYS: `k0:${retired}` }).PAYLOAD_PREVIOUS_KEYS).toEqual({ k0: retired });
    expect(problems({ ...keys, PAYLOAD_PREVIOUS_KEYS: 'k0:c2hvcnQ=' })[0]).toMatchObject({ variable: 'PAYLOAD_PREVIOUS_KEYS' });
  });
});
