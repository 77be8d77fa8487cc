import { z } from 'zod';

/** A 256-bit key given as base64, e.g. `openssl rand -base64 32`. */
const key256 = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes encoded as base64 (openssl rand -base64 32)');

const port = z.coerce.number().int().min(1).max(65535);

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const configSchema = z
  .object({
    PLATFORM_ENV: z.enum(['development', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default('.data'),

    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\/[^/\s]+\/[^\s]+$/, 'must be postgres://user:password@host:port/database')
        .optional(),
    ),
    EMBEDDED_POSTGRES_PORT: port.default(54329),

    TEMPORAL_ADDRESS: optionalText.pipe(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. localhost:7233').optional()),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('integrity-score'),
    TEMPORAL_API_KEY: optionalText,
    /**
     * Workflows a worker keeps in memory between their tasks (the SDK's sticky cache). Unset, the
     * SDK's default: about 900 for Node's default 4 GiB heap. The worker's memory is bounded by
     * its heap (`--max-old-space-size`), not by this.
     */
    /**
     * Worker Versioning (docs/releases.md "Deploying a release: Worker Versioning"): the platform's workers form one Worker
     * Deployment; each release's workers are a version of it, named by their build id (the
     * release's version unless WORKER_BUILD_ID says otherwise). `auto`: a worker makes its version
     * current when it starts, unless a later release is current; `manual`: an operator does, once
     * the new workers poll; `off`: unversioned workers.
     */
    WORKER_VERSIONING: z.enum(['auto', 'manual', 'off']).default('auto'),
    TEMPORAL_DEPLOYMENT_NAME: z
      .string()
      .regex(/^[\w-]{1,100}$/, 'must be 1-100 letters, digits, dash or underscore (no dot)')
      .default('jinan-integrity-score'),
    WORKER_BUILD_ID: optionalText.pipe(z.string().regex(/^[\w.+-]{1,100}$/, 'must be 1-100 letters, digits, dot, plus, dash or underscore').optional()),
    WORKER_CACHED_WORKFLOWS: optionalText.pipe(z.coerce.number<string | undefined>({ error: 'must be a whole number of workflows, e.g. 200' }).int().min(0).max(100_000).optional()),
    /**
     * Views of the hottest reads (own score, a requester's query, an incentive check) each API
     * instance keeps in memory, kept current by Postgres's notifications; 0 keeps none (every read
     * goes to Postgres).
     */
    READ_VIEWS_KEPT: optionalText.pipe(z.coerce.number<string | undefined>({ error: 'must be a whole number of views, e.g. 100000 (0 keeps none)' }).int().min(0).max(10_000_000).default(100_000)),
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
    /** The supervisors' Temporal Web UI, which the SLA board links to (default: the local dev server's, on TEMPORAL_UI_PORT). */
    TEMPORAL_UI_URL: optionalText.pipe(z.url().optional()),

    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: port.default(3000),
    API_PUBLIC_URL: optionalText.pipe(z.url().optional()),
    CODEC_CORS_ORIGINS: z
      .string()
      .default('http://localhost:8233,http://127.0.0.1:8233')
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)),

    PAYLOAD_KEY: key256,
    PAYLOAD_KEY_ID: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore').default('k1'),
    PAYLOAD_PREVIOUS_KEYS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[\w.-]{1,64}:[A-Za-z0-9+/=]+$/, 'must be a comma-separated list of id:base64key')
            .refine((entry) => Buffer.from(entry.split(':')[1]!, 'base64').length === 32, 'each key must be 32 bytes encoded as base64'),
        ),
      )
      .transform((entries) => Object.fromEntries(entries.map((entry) => [entry.split(':')[0]!, entry.split(':')[1]!]))),
    IDENTITY_ENCRYPTION_KEY: key256,
    IDENTITY_HASH_KEY: key256,

    AUTH_JWKS_URL: optionalText.pipe(z.url().optional()),
    AUTH_PUBLIC_KEY_FILE: optionalText,
    AUTH_ISSUER: z.string().min(1).default('jinan-integrity-score'),
    AUTH_AUDIENCE: z.string().min(1).default('jinan-integrity-score-api'),
    /**
     * Art. 19: the private key (a JWK of P-256 with its `kid`) that signs attestations, and the
     * public keys of retired ones, still published until their attestations expire. Without a
     * signing key, development signs with a key made at start-up; production requires one.
     */
    ATTESTATION_SIGNING_KEY: optionalText.pipe(
      z
        .string()
        .refine((value) => {
          try {
            const jwk = JSON.parse(value) as { kty?: string; crv?: string; d?: string; kid?: string };
            return jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.d === 'string' && typeof jwk.kid === 'string';
          } catch {
            return false;
          }
        }, 'must be a private EC P-256 JWK with a kid, as JSON')
        .optional(),
    ),
    ATTESTATION_RETIRED_KEYS: z
      .string()
      .default('[]')
      .refine((value) => {
        try {
          return Array.isArray(JSON.parse(value));
        } catch {
          return false;
        }
      }, 'must be a JSON array of public JWKs')
      .transform((value) => JSON.parse(value) as Record<string, unknown>[]),
    ATTESTATION_TTL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
    ATTESTATION_ISSUER: z.string().min(1).default('jinan-integrity-score'),
    /** The `acr` values of the identity provider that mean real-name authentication (Art. 7). */
    AUTH_REAL_NAME_ACR: z
      .string()
      .default('real-name')
      .transform((value) => value.split(',').map((acr) => acr.trim()).filter(Boolean)),
  });

export type Config = z.infer<typeof configSchema>;

/**
 * What a process runs: the whole local platform (`npm start`), or one role of a scaled-out
 * deployment (`npm run worker`, `npm run api`), which needs only its own settings.
 */
export type ProcessRole = 'platform' | 'worker' | 'api';

function roleProblems(config: Config, role: ProcessRole): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (role !== 'worker' && !config.AUTH_JWKS_URL && !config.AUTH_PUBLIC_KEY_FILE) {
    problems.push({ variable: 'AUTH_PUBLIC_KEY_FILE', message: 'set AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE to verify bearer tokens' });
  }
  if (role !== 'worker' && config.PLATFORM_ENV === 'production' && !config.ATTESTATION_SIGNING_KEY) {
    problems.push({ variable: 'ATTESTATION_SIGNING_KEY', message: 'is required in production to sign attestations (Art. 19)' });
  }
  // A role alone starts no servers: in production it must be told where they are.
  if (role !== 'platform' && config.PLATFORM_ENV === 'production') {
    if (!config.DATABASE_URL) problems.push({ variable: 'DATABASE_URL', message: `is required for the ${role} alone in production` });
    if (!config.TEMPORAL_ADDRESS) problems.push({ variable: 'TEMPORAL_ADDRESS', message: `is required for the ${role} alone in production` });
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once at start-up, for what the process runs; a bad or missing value names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, role: ProcessRole = 'platform'): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        // The issue does not carry the input (no value may reach a message): the environment says whether it was given.
        return { variable, message: issue.code === 'invalid_type' && env[variable] === undefined ? 'is required' : issue.message };
      }),
    );
  }
  const problems = roleProblems(parsed.data, role);
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}
