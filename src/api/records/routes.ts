import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sharedBefore } from '../../db/record-store/lookups';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { acceptedIdentityNumber } from '../../domain/identity-number';
import { pastDateSchema } from '../../domain/input';
import {
  RECORD_STATUSES,
  recordCorrectionSchema,
  recordSubmissionSchema,
  referenceSchema,
  type RecordSubmission,
  type Severity,
  type SharedRecord,
  type ShareOutcome,
  type SharerKind,
} from '../../domain/record';
import { recordTier, recordTypeSchema } from '../../domain/record-types';
import { shareProblem } from '../../domain/share-checks';
import type { Actor } from '../../domain/roles';
import {
  OBLIGATION_CLOSED,
  obligationQuery,
  obligationSummary,
  obligationWorkflowId,
  recordChangeSummary,
  recordChangeWorkflowId,
  recordChangeWorkflowType,
  recordSharingWorkflowType,
  shareRecordUpdate,
  withdrawObligationUpdate,
  type ObligationView,
  type RecordChangeWorkflow,
  type RecordSharingWorkflow,
} from '../../workflows/records/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { organisationOf } from '../shared/organisations';
import { processFailure } from '../shared/process-failures';
import { answerFor, throughTemporal } from '../workflow-failures';
import { obligationRecorded, obligationWithoutWorkflow, obligationsOf, personsUnderReference, recordOfSharer, recordsOfPerson } from './queries';
import { shareOnTime } from './share-on-time';

const shareOutcome = z.object({
  status: z.enum(['accepted', 'duplicate']),
  recordId: z.string(),
  version: z.number(),
  late: z.boolean().optional(),
});

const versionView = z.object({
  version: z.number(),
  status: z.string(),
  typeCode: z.string(),
  /** A negative record's tier (Guobanfa [2025] 22); null for other information, or one stored before tiers were per record. */
  tier: z.string().nullable(),
  formedOn: dayView,
  details: z.record(z.string(), z.unknown()),
  evidence: z.array(z.unknown()),
  changedBy: z.string(),
  changeReason: z.string().nullable(),
});

const recordView = z.object({
  id: z.string(),
  sharerId: z.string(),
  reference: z.string(),
  personId: z.string(),
  category: z.string(),
  source: z.string(),
  sharedAt: instantView,
  sharedLate: z.boolean(),
  current: versionView,
  versions: z.array(versionView),
});

const correctionBody = recordCorrectionSchema.extend({ reason: z.string().min(3).max(1000) });

/**
 * Everything the API can check before the workflow sees a record: the schema (identity number
 * included), the catalogue, who may share what, and whether the person is in scope (Art. 3).
 * Refusals here start nothing and write nothing.
 */
async function prepareRecord(
  deps: ApiDependencies,
  sharer: { id: string; kind: SharerKind },
  submission: RecordSubmission,
): Promise<{ record: SharedRecord; tier: Severity | null }> {
  const person = deps.identity.sealedPerson(acceptedIdentityNumber(submission.identityNumber));
  const catalogue = await loadCatalogue(deps.pool);
  const problem = shareProblem(catalogue, sharer.kind, submission, person.birthDate);
  if (problem?.kind === 'invalid') throw new ApiError(400, 'invalid-input', `body.${problem.field}: ${problem.message}`, `body.${problem.field}`);
  if (problem?.kind === 'forbidden') throw new ApiError(403, 'forbidden', problem.message, `body.${problem.field}`);
  if (problem) throw new ApiError(422, 'out-of-scope', problem.message, `body.${problem.field}`);
  const { identityNumber: _identityNumber, ...fields } = submission;
  const record = { ...fields, person };
  return { record, tier: recordTier(catalogue.get(record.typeCode)!, record) };
}

/** Whether a share failed because its obligation had already closed (shared or withdrawn). */
function obligationClosed(error: unknown): boolean {
  return (
    error instanceof WorkflowExecutionAlreadyStartedError ||
    (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === OBLIGATION_CLOSED)
  );
}

/** Art. 8-10: agencies and providers share, correct and revoke records; persons read their own. */
export const recordRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/record-types',
    {
      schema: {
        summary: 'The record-type catalogue: codes, category, polarity, the tiers a negative type allows with their counting periods, and the details each type takes (Art. 8, 9)',
        tags: ['records'],
        security: [],
        response: { 200: z.object({ recordTypes: z.array(recordTypeSchema) }) },
      },
    },
    async () => ({ recordTypes: [...(await loadCatalogue(deps.pool)).values()] }),
  );

  app.post(
    '/obligations',
    {
      config: { roles: ['agency'] },
      schema: {
        summary: 'Announce information formed on a day: opens the 7-working-day sharing obligation (Art. 10)',
        tags: ['records'],
        body: z.strictObject({ reference: referenceSchema, formedOn: pastDateSchema }),
        response: { 202: z.object({ workflowId: z.string() }), ...refusals(409) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const sharer = await organisationOf(deps.pool, actor);
      const workflowId = obligationWorkflowId(sharer.id, request.body.reference);
      const exists = () => new ApiError(409, 'obligation-exists', `An obligation for ${request.body.reference} was already announced`, 'body.reference');
      // A share on time with none announced met its obligation without a workflow: there is nothing left to announce.
      if (await obligationRecorded(deps.pool, workflowId)) throw exists();
      try {
        await deps.client.workflow.start<RecordSharingWorkflow>(recordSharingWorkflowType, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [{ sharerId: sharer.id, sharerKind: sharer.kind, reference: request.body.reference, formedOn: request.body.formedOn }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: obligationSummary(sharer.id, sharer.kind),
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw exists();
        throw answerFor(error, { message: `No obligation ${request.body.reference}`, field: 'body.reference' });
      }
      return reply.status(202).send({ workflowId });
    },
  );

  app.get(
    '/obligations',
    {
      config: { roles: ['agency'] },
      schema: {
        summary: 'My sharing obligations with their due time and SLA state',
        tags: ['records'],
        querystring: z.strictObject({
          state: z.enum(['open', 'due-soon', 'breached', 'shared', 'withdrawn', 'failed']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({
            obligations: z.array(
              z.object({
                reference: z.string(),
                formedOn: dayView,
                state: z.string(),
                dueAt: instantView.nullable(),
                slaState: z.string().nullable(),
                provisional: z.boolean().nullable().describe('the due time lies in a year whose working-day calendar is not published yet'),
                sharedLate: z.boolean().nullable(),
                failure: z.string().nullable().describe('why the process failed, when its state is failed'),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { obligations: await obligationsOf(deps.pool, actor.agencyId!, request.query.state, request.query.limit) };
    },
  );

  app.post(
    '/obligations/:reference/withdrawal',
    {
      config: { roles: ['agency'] },
      schema: {
        summary: 'Withdraw an open obligation, with a reason',
        tags: ['records'],
        params: z.strictObject({ reference: referenceSchema }),
        body: z.strictObject({ reason: z.string().min(3).max(1000) }),
        response: { 200: z.object({ state: z.literal('withdrawn') }), ...refusals(404, 409, 422) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const handle = deps.client.workflow.getHandle<RecordSharingWorkflow>(obligationWorkflowId(actor.agencyId!, request.params.reference));
      return throughTemporal(() => handle.executeUpdate(withdrawObligationUpdate, { args: [{ reason: request.body.reason }] }), {
        message: `No open obligation ${request.params.reference}`,
        field: 'reference',
      });
    },
  );

  app.post(
    '/records',
    {
      config: { roles: ['agency', 'provider'] },
      schema: {
        summary: 'Share a record: on time with no obligation announced it is stored at once, met; otherwise it closes its obligation (opened first, and flagged late, when it comes late unannounced)',
        tags: ['records'],
        body: recordSubmissionSchema,
        response: { 200: shareOutcome, 201: shareOutcome, ...refusals(409, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const sharer = await organisationOf(deps.pool, actor);
      const { record, tier } = await prepareRecord(deps, sharer, request.body);
      const answer = (outcome: ShareOutcome) => {
        if (outcome.status === 'conflict') {
          throw new ApiError(
            409,
            'reference-conflict',
            `Record ${outcome.recordId} was shared under the reference ${record.reference} with other content; a change to it is a correction (POST /records/${record.reference}/correction)`,
            'body.reference',
          );
        }
        return reply.status(outcome.status === 'accepted' ? 201 : 200).send(outcome);
      };
      const onTime = await shareOnTime(deps, sharer, record, tier);
      if (onTime) return answer(onTime);
      const workflowId = obligationWorkflowId(sharer.id, record.reference);
      const share = () =>
        deps.client.workflow.executeUpdateWithStart(shareRecordUpdate, {
          args: [record],
          startWorkflowOperation: new WithStartWorkflowOperation<RecordSharingWorkflow>(recordSharingWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId,
            args: [{ sharerId: sharer.id, sharerKind: sharer.kind, reference: record.reference, formedOn: record.formedOn }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            staticSummary: obligationSummary(sharer.id, sharer.kind),
          }),
        });
      let outcome: ShareOutcome;
      try {
        outcome = await share();
      } catch (error) {
        if (!obligationClosed(error)) throw answerFor(error, { message: `No obligation ${record.reference}`, field: 'body.reference' });
        // The obligation closed earlier: the record shared under the reference answers.
        const existing = await sharedBefore(deps.pool, sharer.id, record, tier);
        if (!existing) throw new ApiError(409, 'obligation-closed', `The obligation for ${record.reference} was withdrawn`, 'body.reference');
        outcome = { status: existing.sameContent ? 'duplicate' : 'conflict', recordId: existing.id, version: existing.version };
      }
      return answer(outcome);
    },
  );

  const change = (kind: 'correct' | 'revoke') =>
    async (request: { actor: Actor | undefined; params: { reference: string }; body: { reason: string } & Partial<z.infer<typeof correctionBody>> }) => {
      const actor = actorOf(request);
      const sharer = await organisationOf(deps.pool, actor);
      const { reason, ...fields } = request.body;
      const workflowId = recordChangeWorkflowId(sharer.id, request.params.reference, randomUUID());
      const outcome = await throughTemporal(
        () =>
          deps.client.workflow.execute<RecordChangeWorkflow>(recordChangeWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId,
            args: [
              {
                sharerId: sharer.id,
                reference: request.params.reference,
                kind,
                reason,
                changedBy: actor.subject,
                ...(kind === 'correct' ? { correction: fields as z.infer<typeof correctionBody> } : {}),
              },
            ],
            staticSummary: recordChangeSummary(sharer.id, sharer.kind, kind),
          }),
        { message: `No change ${workflowId}`, field: 'reference' },
      );
      return { recordId: outcome.recordId, version: outcome.version, status: outcome.recordStatus };
    };

  const changed = z.object({ recordId: z.string(), version: z.number(), status: z.enum(RECORD_STATUSES) });
  app.post(
    '/records/:reference/correction',
    {
      config: { roles: ['agency', 'provider'] },
      schema: {
        summary: 'Correct a shared record: a new version, the old one kept for audit',
        tags: ['records'],
        params: z.strictObject({ reference: referenceSchema }),
        body: correctionBody,
        response: { 200: changed, ...refusals(404, 409, 422) },
      },
    },
    change('correct'),
  );
  app.post(
    '/records/:reference/revocation',
    {
      config: { roles: ['agency', 'provider'] },
      schema: {
        summary: 'Revoke a shared record: it stops counting, and stays kept for audit',
        tags: ['records'],
        params: z.strictObject({ reference: referenceSchema }),
        body: z.strictObject({ reason: z.string().min(3).max(1000) }),
        response: { 200: changed, ...refusals(404, 409, 422) },
      },
    },
    change('revoke'),
  );

  app.get(
    '/records/:reference',
    {
      config: { roles: ['agency', 'provider'] },
      schema: {
        summary: 'One of my records with all its versions',
        tags: ['records'],
        params: z.strictObject({ reference: referenceSchema }),
        response: { 200: recordView, ...refusals(404) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { reference } = request.params;
      const record = await recordOfSharer(deps.pool, actor.agencyId!, reference);
      if (!record) {
        // Records of other sharers under the same reference are theirs to read, not this sharer's (Art. 22).
        const others = await personsUnderReference(deps.pool, reference);
        if (others.length > 0) await deps.queryLog.refusedRead(actor, { subject: `record ${reference}`, personIds: others, purpose: 'record of another sharer' });
        throw new ApiError(404, 'not-found', `No record ${reference} shared by ${actor.agencyId}`, 'reference');
      }
      await deps.queryLog.personRead(actor, [record.personId], 'record management by its sharer', 'Art. 10');
      return record;
    },
  );

  app.get(
    '/me/records',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'My own records, read-only, with their versions',
        tags: ['persons'],
        response: { 200: z.object({ records: z.array(recordView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const records = await recordsOfPerson(deps.pool, actor.personId!);
      await deps.queryLog.personRead(actor, [actor.personId!], 'own records', 'Art. 15');
      return { records };
    },
  );

  app.get(
    '/obligations/:reference',
    {
      config: { roles: ['agency'] },
      schema: {
        summary: 'One obligation as its workflow sees it now',
        tags: ['records'],
        params: z.strictObject({ reference: referenceSchema }),
        response: {
          ...refusals(404),
          200: z.object({
            state: z.string(),
            dueAt: instantView.nullable(),
            slaState: z.string().nullable(),
            provisional: z.boolean().nullable(),
            recordId: z.string().nullable(),
            late: z.boolean().nullable(),
            failure: z.string().nullable().describe('why the process failed, when its state is failed'),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const workflowId = obligationWorkflowId(actor.agencyId!, request.params.reference);
      const handle = deps.client.workflow.getHandle<RecordSharingWorkflow>(workflowId);
      let view: ObligationView;
      try {
        view = await handle.query(obligationQuery);
      } catch (error) {
        const met = error instanceof WorkflowNotFoundError ? await obligationWithoutWorkflow(deps.pool, workflowId) : undefined;
        if (met) return { ...met, failure: null };
        throw answerFor(error, { message: `No obligation ${request.params.reference}`, field: 'reference' });
      }
      const failure = view.state === 'open' ? await processFailure(deps.pool, workflowId) : undefined;
      return { ...view, ...(failure ? { state: 'failed' } : {}), failure: failure ?? null };
    },
  );
};
