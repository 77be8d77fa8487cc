import { importJWK, SignJWT } from 'jose';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { ROLES, ROLES_WITH_AGENCY, type Role } from '../domain/roles';
import { projectRoot } from '../project-root';
import { ensureDevSecrets, withDevSecrets } from './dev-secrets';

/**
 * `npm run token -- <role> [--agency id] [--person uuid] [--subject name] [--acr value] [--hours n]`:
 * mints a bearer token for the local platform, signed with the dev key under DATA_DIR. A person
 * token says the person was authenticated by real name (the first of AUTH_REAL_NAME_ACR) unless
 * `--acr` says otherwise.
 * Production tokens come from the city's identity provider (AUTH_JWKS_URL), never from here.
 */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      agency: { type: 'string' },
      person: { type: 'string' },
      subject: { type: 'string' },
      acr: { type: 'string' },
      hours: { type: 'string', default: '8' },
    },
  });
  const role = positionals[0] as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new Error(`Give a role: ${ROLES.join(', ')}`);
  // What the API refuses in a token, refused here at once rather than on the first call.
  if (ROLES_WITH_AGENCY.includes(role) && !values.agency) throw new Error(`A ${role} token names its agency: --agency <id>`);
  if (role === 'person' && !values.person) throw new Error('A person token names the person: --person <uuid> (their id in the platform, never an identity number)');
  if (values.person && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.person)) throw new Error('--person must be a uuid');
  if (process.env.PLATFORM_ENV === 'production') throw new Error('Dev tokens are for local use; production tokens come from AUTH_JWKS_URL');
  const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
  const config = loadConfig(await withDevSecrets(process.env, dataDir));
  const { secrets } = await ensureDevSecrets(dataDir);
  const acr = values.acr ?? (role === 'person' ? config.AUTH_REAL_NAME_ACR[0] : undefined);
  const token = await new SignJWT({
    role,
    ...(values.agency ? { agency: values.agency } : {}),
    ...(values.person ? { person: values.person } : {}),
    ...(acr ? { acr } : {}),
  })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(values.subject ?? `dev-${role}`)
    .setIssuer(config.AUTH_ISSUER)
    .setAudience(config.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${Number(values.hours)}h`)
    .sign(await importJWK(secrets.authPrivateJwk, 'ES256'));
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
