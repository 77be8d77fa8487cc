import { importJWK, SignJWT } from 'jose';
import { resolve } from 'node:path';
import { loadConfig } from '../config';
import { ROLES, ROLES_WITH_AGENCY, type Role } from '../domain/roles';
import { projectRoot } from '../project-root';
import { ensureDevSecrets, withDevSecrets } from './dev-secrets';

export interface DevTokenRequest {
  role: string;
  agency?: string | undefined;
  person?: string | undefined;
  subject?: string | undefined;
  acr?: string | undefined;
  hours?: number | undefined;
}

/**
 * A bearer token for the local platform, signed with the dev key under DATA_DIR (`npm run token`,
 * `integrity-ops token`). A person token says the person was authenticated by real name (the first
 * of AUTH_REAL_NAME_ACR) unless `acr` says otherwise. Production tokens come from the city's
 * identity provider (AUTH_JWKS_URL), never from here.
 */
export async function mintDevToken(request: DevTokenRequest): Promise<string> {
  const role = request.role as Role;
  if (!ROLES.includes(role)) throw new Error(`Give a role: ${ROLES.join(', ')}`);
  // What the API refuses in a token, refused here at once rather than on the first call.
  if (ROLES_WITH_AGENCY.includes(role) && !request.agency) throw new Error(`${/^[aeiou]/.test(role) ? 'An' : 'A'} ${role} token names its agency: --agency <id>`);
  if (role === 'person' && !request.person) throw new Error('A person token names the person: --person <uuid> (their id in the platform, never an identity number)');
  if (request.person && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(request.person)) throw new Error('--person must be a uuid');
  if (process.env.PLATFORM_ENV === 'production') throw new Error('Dev tokens are for local use; production tokens come from AUTH_JWKS_URL');
  const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
  const config = loadConfig(await withDevSecrets(process.env, dataDir));
  const { secrets } = await ensureDevSecrets(dataDir);
  const acr = request.acr ?? (role === 'person' ? config.AUTH_REAL_NAME_ACR[0] : undefined);
  return new SignJWT({
    role,
    ...(request.agency ? { agency: request.agency } : {}),
    ...(request.person ? { person: request.person } : {}),
    ...(acr ? { acr } : {}),
  })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject(request.subject ?? `dev-${role}`)
    .setIssuer(config.AUTH_ISSUER)
    .setAudience(config.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${request.hours ?? 8}h`)
    .sign(await importJWK(secrets.authPrivateJwk, 'ES256'));
}
