import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Config } from '../config';
import { ROLES, ROLES_WITH_AGENCY, type Actor, type Role } from '../domain/roles';
import { ApiError } from './errors';

const claimsSchema = z
  .object({
    sub: z.string().min(1),
    role: z.enum(ROLES),
    agency: z.string().min(1).optional(),
    person: z.string().uuid().optional(),
    acr: z.string().optional(),
    exp: z.number().optional(),
  })
  .refine((claims) => !ROLES_WITH_AGENCY.includes(claims.role) || claims.agency, {
    message: `a token of the roles ${ROLES_WITH_AGENCY.join(', ')} must name its agency`,
    path: ['agency'],
  })
  .refine((claims) => claims.role !== 'person' || claims.person, { message: 'a person token must name the person', path: ['person'] });

export type TokenVerifier = (token: string) => Promise<Actor>;

/** Verifies bearer JWTs against a JWKS URL (production) or a public key file (both checked by `jose`). */
export async function createTokenVerifier(
  config: Pick<Config, 'AUTH_JWKS_URL' | 'AUTH_PUBLIC_KEY_FILE' | 'AUTH_ISSUER' | 'AUTH_AUDIENCE' | 'AUTH_REAL_NAME_ACR'>,
): Promise<TokenVerifier> {
  let key: JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>>;
  if (config.AUTH_JWKS_URL) {
    key = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
  } else {
    const pem = await readFile(config.AUTH_PUBLIC_KEY_FILE!, 'utf8');
    key = pem.trimStart().startsWith('{')
      ? createLocalJWKSet(JSON.parse(pem) as Parameters<typeof createLocalJWKSet>[0])
      : await importSPKI(pem, 'ES256');
  }
  // A token verified once is known until it expires: the signature check is the costliest step
  // of a small read. Bounded: past the limit the memory starts over.
  const verified = new Map<string, { actor: Actor; expiresAt: number }>();
  const VERIFIED_LIMIT = 10_000;
  return async (token) => {
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.actor;
    const entry = await verify(token);
    if (verified.size >= VERIFIED_LIMIT) verified.clear();
    verified.set(token, entry);
    return entry.actor;
  };

  async function verify(token: string): Promise<{ actor: Actor; expiresAt: number }> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE }));
    } catch (error) {
      throw new ApiError(401, 'invalid-token', `The bearer token is not valid: ${error instanceof Error ? error.message : 'unreadable'}`);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0]!;
      throw new ApiError(401, 'invalid-token', `The bearer token's claims are not valid: ${issue.message}`, String(issue.path[0] ?? 'token'));
    }
    const { sub, role, agency, person, acr, exp } = claims.data;
    const actor: Actor = {
      subject: sub,
      role,
      ...(agency ? { agencyId: agency } : {}),
      ...(person ? { personId: person } : {}),
      ...(acr !== undefined && config.AUTH_REAL_NAME_ACR.includes(acr) ? { realName: true } : {}),
    };
    // A token without an expiry is checked every time.
    return { actor, expiresAt: exp === undefined ? 0 : exp * 1000 };
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The caller of a route: its `config.roles` were checked before its input was (server.ts), so a
 * caller without the role learns nothing of what the route takes.
 */
export function actorOf(request: { actor: Actor | undefined }): Actor {
  if (!request.actor) throw new ApiError(401, 'unauthenticated', 'A bearer token is required');
  return request.actor;
}

export function requireRole(actor: Actor | undefined, roles: readonly Role[]): Actor {
  if (!actor) throw new ApiError(401, 'unauthenticated', 'A bearer token is required');
  if (!roles.includes(actor.role)) {
    throw new ApiError(403, 'forbidden', `This needs the role ${roles.join(' or ')}; the token has ${actor.role}`);
  }
  return actor;
}
