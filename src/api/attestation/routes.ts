import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createLocalJWKSet } from 'jose';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { scenarioLevels } from '../../db/scores';
import { partnerCitySummary, partnerCityWorkflowId, partnerCityWorkflowType, type PartnerCityWorkflow } from '../../workflows/attestation/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import { requireAgreement } from '../shared/agreement-gate';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';

const partnerId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes');
const jwksSchema = z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) });

/**
 * Art. 19: a person takes a signed attestation of their score and level to another city, which
 * verifies it offline with the published keys; partner cities' attestations are recognised here.
 */
export const attestationRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: "The platform's public keys for its attestations (Art. 19): the signing key and retired keys still valid",
        tags: ['attestations'],
        security: [],
        response: { 200: jwksSchema },
      },
    },
    async () => deps.attestations.jwks(),
  );

  app.post(
    '/me/attestations',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'A signed, short-lived attestation of my base score and level, for another city (Art. 19)',
        description:
          'A JWT (ES256, with the key id; typ credit-attestation+jwt) holding the scenario, score, level, model, day, and a digest binding it to my identity number ' +
          'without showing it. Needs real-name authentication and the agreement in force (Art. 7).',
        tags: ['attestations'],
        response: { 201: z.object({ attestation: z.string(), expiresAt: instantView, level: z.string(), score: z.number() }), ...refusals(404) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const personId = actor.personId!;
      await requireAgreement(deps, actor, personId, 'attestation of my score');
      const found = await deps.pool.query<{ score: number; level: string; model_id: string; on_day: string; id_number_encrypted: Buffer }>(
        `SELECT s.score, s.level, s.model_id, s.on_day, p.id_number_encrypted FROM scores s JOIN persons p ON p.id = s.person_id WHERE s.person_id = $1 AND s.scenario = 'base'`,
        [personId],
      );
      const row = found.rows[0];
      if (!row) throw new ApiError(404, 'not-found', 'No base score: the person is not scored (Art. 3)', 'person');
      const signed = await deps.attestations.sign(
        { scenario: 'base', score: row.score, level: row.level, model: row.model_id, on: row.on_day },
        deps.identity.decrypt(row.id_number_encrypted),
      );
      await deps.queryLog.personRead(actor, [personId], 'attestation of my score for another city', 'Art. 19');
      return reply.status(201).send({ ...signed, level: row.level, score: row.score });
    },
  );

  app.put(
    '/admin/partner-cities/:partnerId',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: "Register or update a partner city whose attestations are recognised: its issuer, its public keys, its levels mapped onto ours (Art. 19)",
        tags: ['attestations'],
        params: z.strictObject({ partnerId }),
        body: z.strictObject({
          name: z.string().min(2).max(200),
          issuer: z.string().min(1).max(200),
          jwks: jwksSchema,
          levelMapping: z.record(z.string().min(1).max(20), z.string().min(1).max(10)).refine((mapping) => Object.keys(mapping).length > 0, 'must map at least one level'),
        }),
        response: { 200: z.object({ partnerId: z.string(), issuer: z.string() }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { partnerId: id } = request.params;
      const { jwks, levelMapping } = request.body;
      try {
        createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
      } catch (error) {
        throw new ApiError(400, 'invalid-input', `body.jwks: ${error instanceof Error ? error.message : 'not a key set'}`, 'body.jwks');
      }
      const known = (await scenarioLevels(deps.pool)).get('base') ?? [];
      for (const [theirs, level] of Object.entries(levelMapping)) {
        if (!known.includes(level)) throw new ApiError(400, 'invalid-input', `body.levelMapping.${theirs}: our base levels are ${known.join(', ')}`, `body.levelMapping.${theirs}`);
      }
      await throughTemporal(
        () =>
          deps.client.workflow.execute<PartnerCityWorkflow>(partnerCityWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId: partnerCityWorkflowId(id, randomUUID()),
            args: [{ id, ...request.body, registeredBy: actor.subject }],
            staticSummary: partnerCitySummary(id),
          }),
        { message: `No partner city ${id}`, field: 'partnerId' },
      );
      return { partnerId: id, issuer: request.body.issuer };
    },
  );
};
