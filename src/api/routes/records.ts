import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sharingRefusal, typeRefusal, type SharerKind } from '../../activities/records';
import { logPersonRead } from '../../db/query-log';
import { parseIdentityNumber } from '../../domain/identity-number';
import { localDateSchema, recordCorrectionSchema, recordSubmissionSchema, referenceSchema, type RecordSubmission, type SharedRecord } from '../../domain/record';
import type { Actor } from '../../domain/roles';
import { refusesRecords } from '../../domain/scope';
import { shanghaiDayOf } from '../../domain/working-days';
import { recordChangeWorkflow } from '../../workflows/record-change';
import { INVALID_RECORD, obligationQuery, recordSharingWorkflow, shareRecordUpdate, withdrawObligationUpdate } from '../../workflows/record-sharing';
import { requireRole } from '../auth';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../server';

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
  formedOn: z.string(),
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
  sharedAt: z.string(),
  sharedLate: z.boolean(),
  current: versionView,
  versions: z.array(versionView),
});

const correctionBody = recordCorrectionSchema.extend({ reason: z.string().min(3).max(1000) });

export function obligationWorkflowId(sharerId: string, reference: string): string {
  return `record-sharing/${sharerId}/${reference}`;
}

interface RecordRow {
  id: string;
  sharer_id: string;
  reference: string;
  person_id: string;
  category: string;
  source: string;
  shared_at: Date;
  shared_late: boolean;
  version: number;
  status: string;
  type_code: string;
  formed_on: string;
  details: Record<string, unknown>;
  evidence: unknown[];
  changed_by: string;
  change_reason: string | null;
}

/** Records and their versions, current version first. */
async function readRecords(deps: ApiDependencies, where: string, params: unknown[]): Promise<z.infer<typeof recordView>[]> {
  const rows = await deps.pool.query<RecordRow>(
    `SELECT * FROM (
       SELECT id, sharer_id, reference, person_id, category, source, shared_at, shared_late, version, status, type_code,
              formed_on, details, evidence, changed_by, change_reason FROM records WHERE ${where}
       UNION ALL
       SELECT h.id, h.sharer_id, h.reference, h.person_id, h.category, h.source, h.shared_at, h.shared_late, h.version, h.status,
              h.type_code, h.formed_on, h.details, h.evidence, h.changed_by, h.change_reason
       FROM record_history h JOIN records USING (id) WHERE ${where}
     ) v ORDER BY shared_at DESC, id, version DESC`,
    params,
  );
  const byId = new Map<string, z.infer<typeof recordView>>();
  for (const row of rows.rows) {
    const version = {
      version: row.version,
      status: row.status,
      typeCode: row.type_code,
      formedOn: row.formed_on,
      details: row.details,
      evidence: row.evidence,
      changedBy: row.changed_by,
      changeReason: row.change_reason,
    };
    const record = byId.get(row.id);
    if (record) record.versions.push(version);
    else {
      byId.set(row.id, {
        id: row.id,
        sharerId: row.sharer_id,
        reference: row.reference,
        personId: row.person_id,
        category: row.category,
        source: row.source,
        sharedAt: row.shared_at.toISOString(),
        sharedLate: row.shared_late,
        current: version,
        versions: [version],
      });
    }
  }
  return [...byId.values()];
}

/** The sharer a token acts for, which must be registered. */
export async function sharerOf(deps: ApiDependencies, actor: Actor): Promise<{ id: string; kind: SharerKind }> {
  const agencyId = actor.agencyId!;
  const found = await deps.pool.query<{ kind: SharerKind }>('SELECT kind FROM agencies WHERE id = $1', [agencyId]);
  if (!found.rows[0]) throw new ApiError(403, 'unregistered-sharer', `${agencyId} is not a registered agency or provider`, 'agency');
  if (found.rows[0].kind !== actor.role) throw new ApiError(403, 'forbidden', `${agencyId} is registered as ${found.rows[0].kind}, not ${actor.role}`, 'agency');
  return { id: agencyId, kind: found.rows[0].kind };
}

/**
 * Everything the API can check before the workflow sees a record: the schema (identity number
 * included), the catalogue, who may share what, and whether the person is in scope (Art. 3).
 * Refusals here start nothing and write nothing.
 */
async function prepareRecord(deps: ApiDependencies, sharer: { id: string; kind: SharerKind }, submission: RecordSubmission): Promise<SharedRecord> {
  const type = await deps.pool.query<{ category: string }>('SELECT category FROM record_types WHERE code = $1', [submission.typeCode]);
  const unfit = typeRefusal(type.rows[0]?.category, submission);
  if (unfit) throw new ApiError(400, 'invalid-input', `body.typeCode: ${unfit}`, 'body.typeCode');
  const sharing = sharingRefusal(sharer.kind, submission.category);
  if (sharing) throw new ApiError(403, 'forbidden', sharing, 'body.category');
  const parsed = parseIdentityNumber(submission.identityNumber);
  if (!parsed.ok) throw new ApiError(400, 'invalid-input', `body.identityNumber: the resident identity number ${parsed.reason}`, 'body.identityNumber');
  const person = deps.identity.reference(parsed.identity);
  if (submission.category !== 'identity') {
    const known = await deps.pool.query<{ residency: 'household' | 'residence-permit' | 'non-local' | null; residence_permit_valid_until: string | null; civil_capacity: 'full' | 'limited' | 'none' | null }>(
      'SELECT residency, residence_permit_valid_until, civil_capacity FROM persons WHERE id_number_hash = $1',
      [Buffer.from(person.key, 'hex')],
    );
    const row = known.rows[0];
    const refusal = refusesRecords(
      {
        birthDate: person.birthDate,
        residency: row?.residency ?? null,
        residencePermitValidUntil: row?.residence_permit_valid_until ?? null,
        civilCapacity: row?.civil_capacity ?? null,
      },
      shanghaiDayOf(new Date()),
    );
    if (refusal) throw new ApiError(422, 'out-of-scope', refusal.message, 'body.identityNumber');
  }
  const { identityNumber: _identityNumber, ...fields } = submission;
  return { ...fields, person };
}

/** Maps a refusal by the workflow's Update (validator or handler) to the API's 4xx. */
function updateRefusal(error: unknown): never {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const failure = error.cause;
    if (failure.type === INVALID_RECORD) {
      const detail = (failure.details?.[0] ?? {}) as { field?: string };
      const field = `body.${detail.field ?? 'record'}`;
      throw new ApiError(400, 'invalid-input', `${field}: ${failure.message}`, field);
    }
    if (failure.type === 'ObligationClosed') throw new ApiError(409, 'obligation-closed', failure.message);
  }
  throw error;
}

/** Art. 8-10: agencies and providers share, correct and revoke records; persons read their own. */
export const recordRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.post(
    '/obligations',
    {
      schema: {
        summary: 'Announce information formed on a day: opens the 7-working-day sharing obligation (Art. 10)',
        tags: ['records'],
        body: z.object({ reference: referenceSchema, formedOn: localDateSchema }),
        response: { 202: z.object({ workflowId: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = requireRole(request.actor, ['agency']);
      const sharer = await sharerOf(deps, actor);
      if (request.body.formedOn > shanghaiDayOf(new Date())) throw new ApiError(400, 'invalid-input', 'body.formedOn: must not be in the future', 'body.formedOn');
      const workflowId = obligationWorkflowId(sharer.id, request.body.reference);
      try {
        await deps.client.workflow.start(recordSharingWorkflow, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [{ sharerId: sharer.id, sharerKind: sharer.kind, reference: request.body.reference, formedOn: request.body.formedOn }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new ApiError(409, 'obligation-exists', `An obligation for ${request.body.reference} was already announced`, 'body.reference');
        }
        throw error;
      }
      return reply.status(202).send({ workflowId });
    },
  );

  app.get(
    '/obligations',
    {
      schema: {
        summary: 'My sharing obligations with their due time and SLA state',
        tags: ['records'],
        querystring: z.object({
          state: z.enum(['open', 'due-soon', 'breached', 'shared', 'withdrawn']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({
            obligations: z.array(
              z.object({
                reference: z.string(),
                formedOn: z.string(),
                state: z.string(),
                dueAt: z.string().nullable(),
                slaState: z.string().nullable(),
                sharedLate: z.boolean().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['agency']);
      const { state, limit } = request.query;
      // open / shared / withdrawn filter the obligation; due-soon and breached its open clock.
      const obligationState = state === 'due-soon' || state === 'breached' ? 'open' : (state ?? null);
      const clockState = state === 'due-soon' || state === 'breached' ? state : null;
      const rows = await deps.pool.query<{ reference: string; formed_on: string; state: string; due_at: Date | null; sla_state: string | null; shared_late: boolean | null }>(
        `SELECT o.reference, o.formed_on, o.state, s.due_at, s.state AS sla_state, o.shared_late
         FROM obligations o LEFT JOIN sla_stages s ON s.workflow_id = o.workflow_id AND s.process = 'record-sharing'
         WHERE o.sharer_id = $1 AND ($3::text IS NULL OR o.state = $3) AND ($4::text IS NULL OR s.state = $4)
         ORDER BY s.due_at NULLS LAST, o.reference LIMIT $2`,
        [actor.agencyId, limit, obligationState, clockState],
      );
      return {
        obligations: rows.rows.map((row) => ({
          reference: row.reference,
          formedOn: row.formed_on,
          state: row.state,
          dueAt: row.due_at?.toISOString() ?? null,
          slaState: row.sla_state,
          sharedLate: row.shared_late,
        })),
      };
    },
  );

  app.post(
    '/obligations/:reference/withdrawal',
    {
      schema: {
        summary: 'Withdraw an open obligation, with a reason',
        tags: ['records'],
        params: z.object({ reference: referenceSchema }),
        body: z.object({ reason: z.string().min(3).max(1000) }),
        response: { 200: z.object({ state: z.literal('withdrawn') }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['agency']);
      const handle = deps.client.workflow.getHandle(obligationWorkflowId(actor.agencyId!, request.params.reference));
      try {
        return await handle.executeUpdate(withdrawObligationUpdate, { args: [{ reason: request.body.reason }] });
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new ApiError(404, 'not-found', `No open obligation ${request.params.reference}`, 'reference');
        return updateRefusal(error);
      }
    },
  );

  app.post(
    '/records',
    {
      schema: {
        summary: 'Share a record (closes its obligation; opens one first if the record was not announced)',
        tags: ['records'],
        body: recordSubmissionSchema,
        response: { 200: shareOutcome, 201: shareOutcome },
      },
    },
    async (request, reply) => {
      const actor = requireRole(request.actor, ['agency', 'provider']);
      const sharer = await sharerOf(deps, actor);
      const record = await prepareRecord(deps, sharer, request.body);
      const workflowId = obligationWorkflowId(sharer.id, record.reference);
      let outcome;
      try {
        outcome = await deps.client.workflow.executeUpdateWithStart(shareRecordUpdate, {
          args: [record],
          startWorkflowOperation: new WithStartWorkflowOperation(recordSharingWorkflow, {
            taskQueue: deps.taskQueue,
            workflowId,
            args: [{ sharerId: sharer.id, sharerKind: sharer.kind, reference: record.reference, formedOn: record.formedOn }],
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        });
      } catch (error) {
        // The obligation closed earlier: the same share sent again finds the stored record.
        if (error instanceof WorkflowExecutionAlreadyStartedError || (error instanceof WorkflowUpdateFailedError && (error.cause as ApplicationFailure | undefined)?.type === 'ObligationClosed')) {
          const existing = await deps.pool.query<{ id: string; version: number }>('SELECT id, version FROM records WHERE sharer_id = $1 AND reference = $2', [
            sharer.id,
            record.reference,
          ]);
          if (existing.rows[0]) return reply.status(200).send({ status: 'duplicate', recordId: existing.rows[0].id, version: existing.rows[0].version });
          throw new ApiError(409, 'obligation-closed', `The obligation for ${record.reference} was withdrawn`, 'body.reference');
        }
        return updateRefusal(error);
      }
      if (outcome.status === 'refused') throw new ApiError(422, 'refused', outcome.reason, `body.${outcome.field}`);
      return reply.status(outcome.status === 'accepted' ? 201 : 200).send(outcome);
    },
  );

  const change = (kind: 'correct' | 'revoke') =>
    async (request: { actor: Actor | undefined; params: { reference: string }; body: { reason: string } & Partial<z.infer<typeof correctionBody>> }) => {
      const actor = requireRole(request.actor, ['agency', 'provider']);
      const sharer = await sharerOf(deps, actor);
      const { reason, ...fields } = request.body;
      const outcome = await deps.client.workflow.execute(recordChangeWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: `record-change/${sharer.id}/${request.params.reference}/${randomUUID()}`,
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
      });
      if (outcome.status === 'refused') {
        const status = { 'not-found': 404, conflict: 409, invalid: 422 }[outcome.code];
        throw new ApiError(status, outcome.code === 'invalid' ? 'refused' : outcome.code, outcome.reason, outcome.field === 'reference' ? 'reference' : `body.${outcome.field}`);
      }
      return { recordId: outcome.recordId, version: outcome.version, status: outcome.recordStatus };
    };

  const changed = z.object({ recordId: z.string(), version: z.number(), status: z.enum(['active', 'revoked']) });
  app.post(
    '/records/:reference/correction',
    {
      schema: {
        summary: 'Correct a shared record: a new version, the old one kept for audit',
        tags: ['records'],
        params: z.object({ reference: referenceSchema }),
        body: correctionBody,
        response: { 200: changed },
      },
    },
    change('correct'),
  );
  app.post(
    '/records/:reference/revocation',
    {
      schema: {
        summary: 'Revoke a shared record: it stops counting, and stays kept for audit',
        tags: ['records'],
        params: z.object({ reference: referenceSchema }),
        body: z.object({ reason: z.string().min(3).max(1000) }),
        response: { 200: changed },
      },
    },
    change('revoke'),
  );

  app.get(
    '/records/:reference',
    {
      schema: {
        summary: 'One of my records with all its versions',
        tags: ['records'],
        params: z.object({ reference: referenceSchema }),
        response: { 200: recordView },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['agency', 'provider']);
      const [record] = await readRecords(deps, 'records.sharer_id = $1 AND records.reference = $2', [actor.agencyId, request.params.reference]);
      if (!record) throw new ApiError(404, 'not-found', `No record ${request.params.reference} shared by ${actor.agencyId}`, 'reference');
      await logPersonRead(deps.pool, actor, [record.personId], 'record management by its sharer', 'Art. 10');
      return record;
    },
  );

  app.get(
    '/me/records',
    {
      schema: {
        summary: 'My own records, read-only, with their versions',
        tags: ['persons'],
        response: { 200: z.object({ records: z.array(recordView) }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['person']);
      const records = await readRecords(deps, 'records.person_id = $1', [actor.personId]);
      await logPersonRead(deps.pool, actor, [actor.personId!], 'own records', 'Art. 15');
      return { records };
    },
  );

  app.get(
    '/obligations/:reference',
    {
      schema: {
        summary: 'One obligation as its workflow sees it now',
        tags: ['records'],
        params: z.object({ reference: referenceSchema }),
        response: {
          200: z.object({ state: z.string(), dueAt: z.string().nullable(), slaState: z.string().nullable(), recordId: z.string().nullable(), late: z.boolean().nullable() }),
        },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['agency']);
      try {
        return await deps.client.workflow.getHandle(obligationWorkflowId(actor.agencyId!, request.params.reference)).query(obligationQuery);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw new ApiError(404, 'not-found', `No obligation ${request.params.reference}`, 'reference');
        throw error;
      }
    },
  );
};
