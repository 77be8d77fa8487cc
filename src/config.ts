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
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),

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
  })
  .superRefine((config, ctx) => {
    if (!config.AUTH_JWKS_URL && !config.AUTH_PUBLIC_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_PUBLIC_KEY_FILE'], message: 'set AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE to verify bearer tokens' });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once at start-up; a bad or missing value names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? 'environment'),
      message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
    })),
  );
}
