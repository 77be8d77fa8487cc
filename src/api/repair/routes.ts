import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { activeRepairRules } from '../../activities/repair/store';
import { sharerOfRecord } from '../../db/record-store/lookups';
import { calendarDateSchema } from '../../domain/input';
import { evidenceSchema } from '../../domain/record';
import { REPAIR_ROUTES, repairEligibility, repairRulesSchema } from '../../domain/repair';
import { ROLES, type Actor } from '../../domain/roles';
import { shanghaiDayOf } from '../../domain/working-days';
import {
  fileRepairUpdate,
  publishedRepairRulesUpdate,
  repairQuery,
  repairRulesSummary,
  repairRulesWorkflowId,
  repairRulesWorkflowType,
  repairSummary,
  repairWorkflowId,
  repairWorkflowType,
  reportPerformanceUpdate,
  supplyRepairUpdate,
  withdrawRepairUpdate,
  type RepairRulesWorkflow,
  type RepairWorkflow,
} from '../../workflows/repair/contract';
import { actorOf } from '../auth';
import { applicantAct } from '../shared/applicant-act';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { repairableRecord, repairById, repairRulesVersions, repairsOf, type RepairRow } from './queries';

const routeTermsView = z
  .object({
    route: z.enum(REPAIR_ROUTES),
    maxInstalments: z.number().optional().describe('deferral: the most instalments the agency may grant'),
    unit: z.enum(['hours', 'yuan', 'events']).optional(),
    threshold: z.number().optional().describe('civic routes: what must be reached, in the unit'),
    windowDays: z.number().optional().describe('civic routes: calendar days from the filing to reach it'),
  })
  .describe('What a route asks for a record of its tier');

const repairView = z.object({
  repairId: z.string(),
  recordId: z.string(),
  route: z.enum(REPAIR_ROUTES),
  tier: z.string(),
  terms: routeTermsView,
  deciderId: z.string().describe('the agency that made the finding, which decides'),
  rulesVersion: z.number(),
  commitmentVersion: z.string(),
  state: z.enum(['collecting', 'checking', 'supplementing', 'deciding', 'approved', 'rejected', 'withdrawn', 'expired', 'moot', 'failed']),
  progress: z.number().describe('civic routes: counted so far toward the threshold'),
  instalments: z.array(z.object({ dueOn: dayView, state: z.enum(['due', 'paid', 'missed']), amountYuan: z.number().optional().describe('what the instalment pays, when the grant says') })),
  obligationUnmet: z.boolean().describe('the agency found the obligation still unmet; the applicant may report it met'),
  supplements: z
    .array(
      z.object({
        requestedAt: instantView,
        missing: z.string().describe("what NDRC found missing, in its reviewer's words"),
        until: dayView.describe('the last day to supply it (POST /repairs/{repairId}/supplement)'),
        suppliedAt: instantView.optional(),
        evidence: z.array(z.object({ kind: z.string(), ref: z.string() })).optional(),
      }),
    )
    .describe('what the completeness check asked the applicant to supply, each with what was supplied for it; while the state is supplementing, the last one is open'),
  filedOn: dayView,
  maximumEndsOn: dayView.nullable().describe('the record stops counting by itself on this day'),
  outcomeReasons: z.string().nullable(),
  closedAt: instantView.nullable(),
  failure: z.string().nullable().describe('why the process failed, when its state is failed'),
});

const notFound = (repairId: string) => ({ message: `No repair ${repairId}`, field: 'repairId' });

function shown({ personId: _personId, ...row }: RepairRow): z.infer<typeof repairView> {
  return { ...row, route: row.route as z.infer<typeof repairView>['route'], state: row.state as z.infer<typeof repairView>['state'] };
}

/** Whether the actor may see the repair: its applicant, the deciding agency, NDRC and supervisors. */
function maySee(actor: Actor, row: RepairRow): boolean {
  if (actor.role === 'person') return row.personId === actor.personId;
  if (actor.role === 'agency') return row.deciderId === actor.agencyId;
  return true;
}

/** An act of the applicant on their open repair (an Update of its workflow), answered with the repair's state. */
async function repairAct(deps: ApiDependencies, actor: Actor, repairId: string, act: (handle: WorkflowHandle<RepairWorkflow>) => Promise<{ state: string }>) {
  const row = await repairById(deps.pool, repairId);
  const stored = row && { ...row, open: row.closedAt === null };
  return applicantAct(actor, { id: repairId, field: 'repairId', noun: 'repair', closedCode: 'repair-closed', stored }, () =>
    act(deps.client.workflow.getHandle<RepairWorkflow>(repairWorkflowId(repairId))),
  );
}

/** Art. 21 and NDRC Order No. 36: a person repairs a negative record by a route; the agency that made the finding decides. */
export const repairRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/repair-rules',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'The repair conditions: the version in force, those before it and any scheduled for a later day (Art. 21, Order 36)',
        tags: ['repairs'],
        response: {
          200: z.object({
            versions: z.array(
              z.object({
                version: z.number(),
                status: z.enum(['active', 'retired', 'scheduled']),
                definition: repairRulesSchema,
                description: z.string(),
                createdBy: z.string(),
                effectiveFrom: dayView.describe('the day the version comes (or came) into force'),
                activatedAt: instantView.describe('when it was published, or put in force on its effective day'),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const versions = await repairRulesVersions(deps.pool);
      return { versions: versions.map((row) => ({ ...row, status: row.status as 'active' | 'retired' | 'scheduled', definition: repairRulesSchema.parse(row.definition) })) };
    },
  );

  app.post(
    '/repair-rules',
    {
      config: { roles: ['ndrc'] },
      schema: {
        summary: 'Publish new repair conditions: minimum periods, routes with thresholds and windows, the commitment, the clocks (NDRC)',
        description:
          'The new version is in force for applications filed from its effective day (effectiveFrom, default today): today it retires the version in force ' +
          'and answers 201; on a later day it is scheduled (202) and comes into force that day, durably. A repair keeps the version it was filed under. ' +
          'A commitment text that changes needs a new commitment version: applicants sign the version they were shown.',
        tags: ['repairs'],
        body: z.strictObject({ definition: repairRulesSchema, description: z.string().min(3).max(1000), effectiveFrom: calendarDateSchema.optional() }),
        response: {
          201: z.object({ version: z.number(), status: z.enum(['active', 'retired']), effectiveFrom: dayView, retired: z.number().nullable() }),
          202: z.object({ version: z.number(), status: z.literal('scheduled'), effectiveFrom: dayView, workflowId: z.string() }),
          ...refusals(422),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { effectiveFrom } = request.body;
      if (effectiveFrom !== undefined && effectiveFrom < shanghaiDayOf(new Date())) {
        throw new ApiError(400, 'invalid-input', 'body.effectiveFrom: repair conditions take effect today or later', 'body.effectiveFrom');
      }
      const publicationId = randomUUID();
      const workflowId = repairRulesWorkflowId(publicationId);
      const published = await throughTemporal(
        () =>
          deps.client.workflow.executeUpdateWithStart(publishedRepairRulesUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation<RepairRulesWorkflow>(repairRulesWorkflowType, {
              taskQueue: deps.taskQueue,
              workflowId,
              args: [{ publicationId, ...request.body, publishedBy: actor.subject }],
              workflowIdConflictPolicy: 'FAIL',
              staticSummary: repairRulesSummary(),
            }),
          }),
        { message: `No publication ${publicationId}`, field: 'publicationId' },
      );
      if (published.status === 'scheduled') {
        return reply.status(202).send({ version: published.version, status: 'scheduled', effectiveFrom: published.effectiveFrom, workflowId });
      }
      return reply.status(201).send({ version: published.version, status: published.status, effectiveFrom: published.effectiveFrom, retired: published.retired });
    },
  );

  app.get(
    '/repairs/eligibility',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Whether one of my records may be repaired today, by which routes, and the credit commitment to sign (Art. 21)',
        description:
          'Under the repair rules in force: a negative record of a repairable type, still counting, whose minimum period counted from its formation has been served. ' +
          'A refusal names its rule and, for time, the day from which one may apply.',
        tags: ['repairs'],
        querystring: z.strictObject({ recordId: z.uuid() }),
        response: {
          200: z.object({
            recordId: z.string(),
            typeCode: z.string(),
            deciderId: z.string(),
            eligible: z.boolean(),
            rule: z.enum(['record-not-counting', 'not-negative', 'not-repairable', 'maximum-period-ended', 'minimum-period']).optional(),
            message: z.string().optional(),
            eligibleFrom: dayView.optional(),
            tier: z.string().optional(),
            routes: z.array(routeTermsView),
            maximumEndsOn: dayView.nullable(),
            openRepairId: z.string().nullable().describe('a repair already open on the record: only one at a time'),
            rulesVersion: z.number(),
            commitment: z.object({ version: z.string(), text: z.string() }),
          }),
          ...refusals(404),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { recordId } = request.query;
      const record = await repairableRecord(deps.pool, recordId);
      if (record && record.personId !== actor.personId) {
        await deps.queryLog.refusedRead(actor, { subject: `record/${recordId}`, personIds: [record.personId], purpose: "another person's record, for its repair" });
      }
      if (!record || record.personId !== actor.personId) throw new ApiError(404, 'not-found', `No record ${recordId} of yours`, 'querystring.recordId');
      const rules = await activeRepairRules(deps.pool);
      const type = (await loadCatalogue(deps.pool)).get(record.typeCode)!;
      const eligibility = repairEligibility(rules.definition, { ...record, type }, shanghaiDayOf(new Date()));
      await deps.queryLog.personRead(actor, [actor.personId!], 'own record, for its repair', 'Art. 21');
      const base = {
        recordId,
        typeCode: record.typeCode,
        deciderId: record.sharerId,
        openRepairId: record.openRepairId,
        rulesVersion: rules.version,
        commitment: rules.definition.commitment,
      };
      if (!eligibility.eligible) {
        const { eligible, rule, message, eligibleFrom } = eligibility;
        return { ...base, eligible, rule, message, ...(eligibleFrom ? { eligibleFrom } : {}), routes: [], maximumEndsOn: null };
      }
      return { ...base, eligible: true, tier: eligibility.tier, routes: eligibility.routes, maximumEndsOn: eligibility.maximumEndsOn };
    },
  );

  app.post(
    '/repairs',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Apply to repair one of my negative records by a route, signing the credit commitment by real name (Art. 21)',
        description:
          'Refused at once, with nothing written, when the rules leave the record unrepairable (the rule, and for time the day one may apply), ' +
          'when the route is not open to its tier, when the commitment signed is not the current one, or when the record already has an open repair.',
        tags: ['repairs'],
        body: z.strictObject({
          recordId: z.uuid(),
          route: z.enum(REPAIR_ROUTES),
          commitmentVersion: z.string().min(1).max(40).describe('the version of the credit commitment signed, as GET /repairs/eligibility shows it'),
        }),
        response: { 202: z.object({ repairId: z.string(), workflowId: z.string() }), ...refusals(403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // Order 36 art. 3: the credit commitment is the applicant's own, signed by real name.
      if (!actor.realName) throw new ApiError(403, 'real-name-required', 'Signing the credit commitment needs real-name authentication (Order 36 art. 3)', 'token');
      const repairId = randomUUID();
      const workflowId = repairWorkflowId(repairId);
      const deciderId = await sharerOfRecord(deps.pool, request.body.recordId, actor.personId!);
      // Started with its filing: a 202 is a repair that was filed and will run to its end.
      await throughTemporal(
        () =>
          deps.client.workflow.executeUpdateWithStart(fileRepairUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation<RepairWorkflow>(repairWorkflowType, {
              taskQueue: deps.taskQueue,
              workflowId,
              workflowIdConflictPolicy: 'FAIL',
              args: [{ repairId, personId: actor.personId!, ...request.body, filedBy: actor.subject }],
              staticSummary: repairSummary(request.body.route, deciderId),
            }),
          }),
        notFound(repairId),
      );
      return reply.status(202).send({ repairId, workflowId });
    },
  );

  app.get(
    '/repairs',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'My repairs, the latest first (Art. 21)',
        tags: ['repairs'],
        response: { 200: z.object({ repairs: z.array(repairView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const repairs = await repairsOf(deps.pool, actor.personId!);
      await deps.queryLog.personRead(actor, [actor.personId!], 'own repairs', 'Art. 21');
      return { repairs: repairs.map(shown) };
    },
  );

  app.get(
    '/repairs/:repairId',
    {
      config: { roles: ['person', 'agency', 'ndrc', 'supervisor'] },
      schema: {
        summary: 'A repair: its route, the progress toward its threshold or its instalments, its state and outcome (Art. 21)',
        tags: ['repairs'],
        params: z.strictObject({ repairId: z.uuid() }),
        response: { 200: repairView.extend({ openTaskId: z.string().nullable() }), ...refusals(404) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { repairId } = request.params;
      const row = await repairById(deps.pool, repairId);
      if (row && !maySee(actor, row)) {
        await deps.queryLog.refusedRead(actor, { subject: repairWorkflowId(repairId), personIds: [row.personId], purpose: 'a repair of another' });
      }
      if (!row || !maySee(actor, row)) throw new ApiError(404, 'not-found', `No repair ${repairId}`, 'repairId');
      await deps.queryLog.personRead(actor, [row.personId], 'a repair and its evidence', 'Art. 21');
      const live = row.closedAt
        ? null
        : await throughTemporal(() => deps.client.workflow.getHandle<RepairWorkflow>(repairWorkflowId(repairId)).query(repairQuery), notFound(repairId));
      if (!live) return { ...shown(row), openTaskId: null };
      // The row follows its workflow a step behind: an open repair is shown as it stands.
      const { progress, instalments, obligationUnmet, openTaskId } = live;
      return { ...shown(row), progress, instalments, obligationUnmet, openTaskId };
    },
  );

  app.post(
    '/repairs/:repairId/supplement',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Supply what the completeness check found missing: the application goes back to NDRC, with a new platform clock',
        tags: ['repairs'],
        params: z.strictObject({ repairId: z.uuid() }),
        body: z.strictObject({ evidence: evidenceSchema.unwrap().min(1) }),
        response: { 200: z.object({ state: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return repairAct(deps, actor, request.params.repairId, (handle) =>
        handle.executeUpdate(supplyRepairUpdate, { args: [{ personId: actor.personId!, evidence: request.body.evidence }] }),
      );
    },
  );

  // The applicant's two acts on an open repair: withdraw it, or report the obligation met again.
  for (const act of [
    { path: 'withdrawal', update: withdrawRepairUpdate, summary: 'Withdraw my repair before the agency decides' },
    {
      path: 'performance',
      update: reportPerformanceUpdate,
      summary: 'Report the obligation met after the agency found it unmet: the agency is asked to confirm again (subsequent performance)',
    },
  ] as const) {
    app.post(
      `/repairs/:repairId/${act.path}`,
      {
        config: { roles: ['person'] },
        schema: {
          summary: act.summary,
          tags: ['repairs'],
          params: z.strictObject({ repairId: z.uuid() }),
          response: { 200: z.object({ state: z.string() }), ...refusals(404, 409) },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        return repairAct(deps, actor, request.params.repairId, (handle) => handle.executeUpdate(act.update, { args: [{ personId: actor.personId! }] }));
      },
    );
  }
};
