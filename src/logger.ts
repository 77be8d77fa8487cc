import pino from 'pino';

/**
 * Field names that may carry personal data or credentials. They are censored wherever they
 * appear in a log line (`name` only nested: the top-level one is the logger's), as a backstop: code logs opaque ids, never identity numbers (Art. 22).
 */
const PERSONAL_FIELDS = ['identityNumber', 'idNumber', 'name', 'phone', 'address', 'token', 'password'];

/** A logger to stdout, or to `destination` (the end-to-end tests keep each platform's log in a file the PII scan reads). */
export function createLogger(level: string, name = 'integrity-score', destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        ...PERSONAL_FIELDS.filter((field) => field !== 'name'),
        ...PERSONAL_FIELDS.map((field) => `*.${field}`),
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type Logger = pino.Logger;
