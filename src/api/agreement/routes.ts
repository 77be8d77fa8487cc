import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hasAgreementInForce } from '../../db/agreement-in-force';
import { agreementsOf, agreementTextInForce } from './queries';
import { AGREEMENT_CHANNELS } from '../../domain/agreement';
import {
  agreementSummary,
  agreementTextSummary,
  agreementTextWorkflowId,
  agreementTextWorkflowType,
  agreementWorkflowId,
  agreementWorkflowType,
  type AgreementChange,
  type AgreementTextWorkflow,
  type AgreementWorkflow,
} from '../../workflows/agreement/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';

const agreementView = z.object({
  agreementId: z.string(),
  textVersion: z.string(),
  channel: z.enum(AGREEMENT_CHANNELS),
  signedAt: instantView,
  revokedAt: instantView.nullable(),
  revocationChannel: z.enum(AGREEMENT_CHANNELS).nullable(),
});

/** Art. 7: a person signs the collection-and-use agreement by real name, reads it, and may revoke it. */
export const agreementRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  const change = (request: AgreementChange) =>
    throughTemporal(
      () =>
        deps.client.workflow.execute<AgreementWorkflow>(agreementWorkflowType, {
          taskQueue: deps.taskQueue,
          workflowId: agreementWorkflowId(request.agreementId, request.kind),
          args: [request],
          staticSummary: agreementSummary(request.kind),
        }),
      { message: `No agreement ${request.agreementId}`, field: 'agreementId' },
    );

  app.get(
    '/agreement-text',
    {
      schema: {
        summary: 'The collection-and-use agreement in force, which a person signs before any score of theirs is shown or used (Art. 7)',
        tags: ['agreement'],
        security: [],
        response: { 200: z.object({ version: z.string(), text: z.string(), publishedAt: instantView, requiresNewConsent: z.boolean().describe('whether signing it was needed for agreements signed before it to stay in force') }) },
      },
    },
    async () => agreementTextInForce(deps.pool),
  );

  app.post(
    '/agreement-texts',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: "Publish a new version of the agreement's text, in force from now (Art. 7, NDRC)",
        description:
          'With requiresNewConsent (the default) every agreement signed before it stops until the person signs the new version: no score of theirs is shown or used meanwhile. ' +
          'Without it (a correction that changes nothing a person agreed to) agreements stay in force.',
        tags: ['agreement'],
        body: z.strictObject({
          version: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'must be 1-40 letters, digits, dot, dash or underscore'),
          text: z.string().min(20).max(20_000),
          requiresNewConsent: z.boolean().default(true),
        }),
        response: { 201: z.object({ version: z.string(), publishedAt: instantView, requiresNewConsent: z.boolean(), retired: z.string().nullable() }), ...refusals(409) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const published = await throughTemporal(
        () =>
          deps.client.workflow.execute<AgreementTextWorkflow>(agreementTextWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId: agreementTextWorkflowId(request.body.version),
            // The same version sent again finds its publication (or is refused, with another text).
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            args: [{ ...request.body, publishedBy: actor.subject }],
            staticSummary: agreementTextSummary(),
          }),
        { message: `No publication of ${request.body.version}`, field: 'version' },
      );
      return reply.status(201).send(published);
    },
  );

  app.get(
    '/me/agreement',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'My agreement in force, and those I signed and revoked before (Art. 7)',
        tags: ['agreement'],
        response: {
          200: z.object({
            inForce: agreementView.nullable(),
            needsNewSignature: z.boolean().describe('my agreement was signed on a version that a later one needing new consent replaced: sign the text in force'),
            agreements: z.array(agreementView),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const agreements = (await agreementsOf(deps.pool, actor.personId!)) as z.infer<typeof agreementView>[];
      const unrevoked = agreements.find((agreement) => agreement.revokedAt === null) ?? null;
      const inForce = unrevoked && (await hasAgreementInForce(deps.pool, actor.personId!)) ? unrevoked : null;
      await deps.queryLog.personRead(actor, [actor.personId!], 'own agreement', 'Art. 7');
      return { inForce, needsNewSignature: unrevoked !== null && inForce === null, agreements };
    },
  );

  app.post(
    '/me/agreement',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Sign the collection-and-use agreement, authenticated by real name (Art. 7)',
        description: 'The text signed must be the version in force (GET /agreement-text). One agreement is in force at a time.',
        tags: ['agreement'],
        body: z.strictObject({ textVersion: z.string().min(1).max(40), channel: z.enum(AGREEMENT_CHANNELS) }),
        response: { 201: z.object({ agreementId: z.string(), textVersion: z.string(), signedAt: instantView }), ...refusals(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (!actor.realName) throw new ApiError(403, 'real-name-required', 'Signing the agreement needs real-name authentication (Art. 7)', 'token');
      const signed = await change({ kind: 'sign', agreementId: randomUUID(), personId: actor.personId!, ...request.body, assurance: 'real-name', by: actor.subject });
      return reply.status(201).send({ agreementId: signed.agreementId, textVersion: signed.textVersion, signedAt: signed.signedAt });
    },
  );

  app.post(
    '/me/agreement/revocation',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Revoke my agreement: from now no score of mine is shown or used, to anyone, me included (Art. 7)',
        tags: ['agreement'],
        body: z.strictObject({ channel: z.enum(AGREEMENT_CHANNELS) }),
        response: { 200: z.object({ agreementId: z.string(), revokedAt: instantView }), ...refusals(404) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const inForce = (await agreementsOf(deps.pool, actor.personId!)).find((agreement) => agreement.revokedAt === null);
      if (!inForce) throw new ApiError(404, 'not-found', 'No agreement of yours is in force', 'agreement');
      const revoked = await change({ kind: 'revoke', agreementId: inForce.agreementId, personId: actor.personId!, ...request.body, by: actor.subject });
      return { agreementId: revoked.agreementId, revokedAt: revoked.revokedAt! };
    },
  );
};
