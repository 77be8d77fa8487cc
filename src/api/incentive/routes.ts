import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { scenarioLevels } from '../../db/scores';
import { incentiveDefinitionSchema, qualifies } from '../../domain/incentive';
import { acceptedIdentityNumber } from '../../domain/identity-number';
import { identityNumberSchema } from '../../domain/record';
import { ROLES } from '../../domain/roles';
import { shanghaiDayOf } from '../../domain/working-days';
import { incentiveDefinitionSummary, incentiveDefinitionWorkflowId, incentiveDefinitionWorkflowType, type IncentiveDefinitionWorkflow } from '../../workflows/incentive/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import { requireAgreement } from '../shared/agreement-gate';
import { partnerLevel } from '../shared/attestations';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView } from '../shared/formats';
import { organisationOf } from '../shared/organisations';
import { answerOncePerViewAndDay } from '../shared/read-views';
import { throughTemporal } from '../workflow-failures';
import { activeIncentives, eligibilityFacts } from './queries';

const incentiveId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes');

/**
 * Art. 12, 16, 17: the score serves incentives only. Agencies define the incentives they
 * implement and ask whether a person qualifies: yes or no with the rule's version, never the score
 * or the records. A rule only says who qualifies for a benefit; none can restrict a basic public
 * service or a statutory right.
 */
export const incentiveRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  /** A known person's answer: the same until the view or the day changes. */
  const answerOnce = answerOncePerViewAndDay();

  app.get(
    '/incentives',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'The incentives in force: who implements each, its benefit, its rule and validity (Art. 12, 16)',
        tags: ['incentives'],
        response: { 200: z.object({ incentives: z.array(z.object({ incentiveId: z.string(), version: z.number(), ownerAgency: z.string(), definition: incentiveDefinitionSchema })) }) },
      },
    },
    async () => {
      return { incentives: await activeIncentives(deps.pool, deps.incentiveDefinitions) };
    },
  );

  app.put(
    '/incentives/:incentiveId',
    {
      config: { roles: ['agency'] },
      schema: {
        summary: 'Define or redefine an incentive my agency implements: the definition becomes its next version (Art. 17)',
        description:
          'A benefit of a closed kind and the conditions that qualify for it, every one positive: a level reached, clear of negative records of a tier, ' +
          'a positive record. Nothing here can express a denial of a basic public service or a statutory right.',
        tags: ['incentives'],
        params: z.strictObject({ incentiveId }),
        body: incentiveDefinitionSchema,
        response: { 200: z.object({ incentiveId: z.string(), version: z.number() }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const owner = await organisationOf(deps.pool, actor);
      const { incentiveId: id } = request.params;
      // A level condition must name a level of a scenario that is scored, or nobody could ever meet it.
      const levels = await scenarioLevels(deps.pool);
      for (const [i, condition] of request.body.conditions.entries()) {
        if (condition.kind !== 'level-at-least') continue;
        const known = levels.get(condition.scenario);
        if (!known) throw new ApiError(400, 'invalid-input', `body.conditions.${i}.scenario: no scenario ${condition.scenario} is scored`, `body.conditions.${i}.scenario`);
        if (!known.includes(condition.level)) {
          throw new ApiError(400, 'invalid-input', `body.conditions.${i}.level: the ${condition.scenario} levels are ${known.join(', ')}`, `body.conditions.${i}.level`);
        }
      }
      const definitionId = randomUUID();
      const { version } = await throughTemporal(
        () =>
          deps.client.workflow.execute<IncentiveDefinitionWorkflow>(incentiveDefinitionWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId: incentiveDefinitionWorkflowId(id, definitionId),
            args: [{ definitionId, incentiveId: id, ownerAgency: owner.id, definition: request.body, definedBy: actor.subject }],
            staticSummary: incentiveDefinitionSummary(id, owner.id),
          }),
        { message: `No incentive ${id}`, field: 'incentiveId' },
      );
      return { incentiveId: id, version };
    },
  );

  app.post(
    '/incentives/:incentiveId/eligibility',
    {
      config: { roles: ['agency'], readOnly: true },
      schema: {
        summary: 'Whether a person qualifies for an incentive my agency implements: yes or no with the rule version, never the score (Art. 12, 16)',
        description: 'Needs the person’s collection-and-use agreement in force (Art. 7). A "no" means only that this benefit is not given; it is never a ground to refuse a service.',
        tags: ['incentives'],
        params: z.strictObject({ incentiveId }),
        body: z.strictObject({
          identityNumber: identityNumberSchema,
          attestation: z.string().min(1).max(8192).optional().describe("a partner city's attestation of the person's level (Art. 19), for a resident of that city"),
        }),
        response: {
          200: z.object({
            incentiveId: z.string(),
            version: z.number(),
            eligible: z.boolean(),
            checkedOn: dayView,
            recognisedFrom: z.string().optional().describe('the partner city whose attestation was recognised'),
          }),
          ...refusals(404, 422),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { incentiveId: id } = request.params;
      const lookupKey = request.body.attestation ? null : deps.identity.lookupKey(acceptedIdentityNumber(request.body.identityNumber).value);
      const check = { agencyId: actor.agencyId!, incentiveId: id, lookupKey };
      // A person the platform does not know is not kept: their first record would be no change to a person of the view.
      const found = lookupKey
        ? await deps.readViews.read(`eligibility/${actor.agencyId}/${id}/${lookupKey}`, () => eligibilityFacts(deps.pool, deps.incentiveDefinitions, check), (facts) => facts.person && { persons: [facts.person.personId] })
        : await eligibilityFacts(deps.pool, deps.incentiveDefinitions, check);
      await organisationOf(deps.pool, actor, 'agency', found.agencyKind);
      const { incentive } = found;
      if (!incentive || incentive.ownerAgency !== actor.agencyId) throw new ApiError(404, 'not-found', `No incentive ${id} implemented by ${actor.agencyId}`, 'incentiveId');
      const checkedOn = shanghaiDayOf(new Date());
      if (request.body.attestation) {
        // Art. 19: a partner city's resident qualifies on the level it attests, mapped onto ours;
        // only an incentive that asks nothing but a base level can be answered that way.
        if (!incentive.definition.conditions.every((condition) => condition.kind === 'level-at-least' && condition.scenario === 'base')) {
          throw new ApiError(422, 'attestation-not-enough', `The incentive ${id} asks more than a base level: an attestation cannot answer it`, 'body.attestation');
        }
        const recognised = await partnerLevel(deps.pool, request.body.attestation, request.body.identityNumber);
        const order = (await scenarioLevels(deps.pool)).get('base') ?? [];
        const eligible = qualifies(incentive.definition, { levels: new Map([['base', { level: recognised.level, order }]]), records: [] }, checkedOn);
        return { incentiveId: id, version: incentive.version, eligible, checkedOn, recognisedFrom: recognised.partnerId };
      }
      const purpose = `incentive ${id} v${incentive.version}`;
      if (!found.person) {
        await deps.queryLog.refusedRead(actor, { subject: `incentive/${id}`, personIds: [], purpose: `${purpose}: a person the platform does not know` });
        throw new ApiError(403, 'agreement-required', 'No collection-and-use agreement is in force for this person (Art. 7)', 'agreement');
      }
      const { personId } = found.person;
      await requireAgreement(deps, actor, personId, purpose, found.person.agreed);
      await deps.queryLog.personRead(actor, [personId], purpose, 'Art. 12, 16, 17');
      return answerOnce(reply, found, checkedOn, () => ({
        incentiveId: id,
        version: incentive.version,
        eligible: qualifies(incentive.definition, found.facts!, checkedOn),
        checkedOn,
      }));
    },
  );
};
