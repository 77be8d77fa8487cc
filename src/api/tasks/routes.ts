import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { calendarDateSchema, timestampSchema } from '../../domain/input';
import { recordCorrectionSchema } from '../../domain/record';
import { catalogueProblem } from '../../domain/record-types';
import type { Actor } from '../../domain/roles';
import { claimTaskUpdate, completeTaskUpdate, remindTaskUpdate, type TaskActor } from '../../workflows/shared/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';
import { throughTemporal } from '../workflow-failures';
import { caseOf } from './case';
import { categoryOfRecord, inbox, taskEvents, taskViews, visibleTask, type TaskRow } from './queries';

const taskView = z.object({
  id: z.string(),
  process: z.string(),
  kind: z.string(),
  role: z.string(),
  agencyId: z.string().nullable(),
  subject: z.string(),
  state: z.string(),
  dueAt: instantView.nullable(),
  provisional: z.boolean().nullable().describe('the due time lies in a year whose working-day calendar is not published yet'),
  workingDaysLeft: z.number().nullable(),
  allowedDecisions: z.array(z.string()),
  decisionInputs: z
    .object({
      correction: z.array(z.string()).describe('the decisions that must carry the corrected record (body.correction)'),
      correctionOf: z.array(z.string()).optional().describe('the records such a correction may be for, one named by body.recordId (an objection to the score: the records its score counts); absent, the task\'s own record'),
      schedule: z
        .object({ decisions: z.array(z.string()), maxDays: z.number(), after: z.string() })
        .nullable()
        .describe('the decisions that grant a schedule (body.schedule): 1 to maxDays days, ascending, all after `after`'),
    })
    .describe('what a decision carries beyond its reasons'),
  claimedBy: z.string().nullable(),
  claimedAt: instantView.nullable().describe('since when its claimant holds it'),
  context: z.record(z.string(), z.unknown()),
  about: z
    .object({ recordType: z.string().nullable(), reference: z.string().nullable(), sharerId: z.string().nullable(), sharerName: z.string().nullable(), title: z.string().nullable() })
    .describe("what the task is about: the record's type, reference and sharer, or a declaration's type and title"),
});

const taskEventView = z.object({ at: instantView, event: z.string(), actor: z.string().nullable(), detail: z.record(z.string(), z.unknown()) });
const evidenceView = z.array(z.object({ kind: z.string(), ref: z.string() }));
const caseView = z.object({
  record: z
    .object({
      id: z.string(),
      reference: z.string(),
      sharerId: z.string(),
      sharerName: z.string().nullable(),
      category: z.string(),
      typeCode: z.string(),
      tier: z.string().nullable(),
      formedOn: z.string(),
      sharedAt: instantView,
      status: z.string(),
      details: z.record(z.string(), z.unknown()),
      evidence: evidenceView,
      disputed: z.boolean().describe('under an objection not yet decided (Art. 20)'),
      versions: z.array(
        z.object({
          version: z.number(),
          status: z.string(),
          formedOn: z.string(),
          details: z.record(z.string(), z.unknown()),
          changedBy: z.string(),
          changeReason: z.string().nullable(),
          supersededAt: instantView.nullable(),
        }),
      ),
    })
    .nullable()
    .describe('the record the task decides on, when it names one, or the one chosen (?record) among those a correction may be for'),
  application: z.object({
    reason: z.string().nullable(),
    evidence: evidenceView,
    route: z.string().nullable(),
    terms: z.record(z.string(), z.unknown()).nullable(),
    declared: z.object({ category: z.string(), typeCode: z.string(), formedOn: z.string(), details: z.record(z.string(), z.unknown()) }).nullable(),
  }),
  decisions: z.array(z.object({ taskId: z.string(), kind: z.string(), decision: z.string(), reasons: z.string(), actor: z.string().nullable(), at: z.string() })),
  scoreLines: z
    .array(z.object({ recordId: z.string(), typeCode: z.string(), category: z.string(), formedOn: z.string(), points: z.number() }))
    .describe('an objection to the score: the records the score counts, with their points, when the task opened'),
});

function taskActor(actor: Actor): TaskActor {
  return { subject: actor.subject, role: actor.role, ...(actor.agencyId ? { agencyId: actor.agencyId } : {}) };
}

/** The article under which a reviewer reads the data of a task's person, by process. */
const LEGAL_BASIS: Record<string, string> = { objection: 'Art. 20', declaration: 'Art. 11', repair: 'Art. 21' };

/** Art. 22: a reviewer shown tasks reads the data of the persons they concern; each read is registered. */
async function registerTaskReads(deps: ApiDependencies, actor: Actor, tasks: TaskRow[], purpose: string): Promise<void> {
  const byProcess = new Map<string, string[]>();
  for (const task of tasks) if (task.person_id) byProcess.set(task.process, [...(byProcess.get(task.process) ?? []), task.person_id]);
  for (const [process, persons] of byProcess) await deps.queryLog.personRead(actor, persons, `${purpose} (${process})`, LEGAL_BASIS[process] ?? 'Art. 22');
}

/** The reviewers' task inbox (DESIGN.md "Human task"): list, claim, release, complete, history. */
export const taskRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  async function taskFor(actor: Actor, taskId: string): Promise<TaskRow> {
    const task = await visibleTask(deps.pool, actor, taskId);
    if (!task) throw new ApiError(404, 'not-found', `No task ${taskId} in your inbox`, 'taskId');
    return task;
  }
  const processEnded = (taskId: string) => ({ message: `The process of task ${taskId} has ended`, field: 'taskId' });

  app.get(
    '/tasks',
    {
      config: { roles: ['ndrc', 'agency', 'provider', 'supervisor'] },
      schema: {
        summary: 'My tasks, soonest due first, with the working days left',
        tags: ['tasks'],
        querystring: z.strictObject({
          state: z.enum(['open', 'claimed', 'completed', 'cancelled']).optional(),
          process: z.string().max(40).optional(),
          dueBefore: timestampSchema.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ tasks: z.array(taskView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await inbox(deps.pool, actor, request.query);
      await registerTaskReads(deps, actor, found, 'task inbox');
      return { tasks: await taskViews(deps.pool, found) };
    },
  );

  const params = z.strictObject({ taskId: z.uuid() });
  const claimAnswer = { 200: z.object({ taskId: z.string(), claimedBy: z.string().nullable() }), ...refusals(404, 409) };
  const claiming = (claim: boolean) => async (request: FastifyRequest<{ Params: { taskId: string } }>) => {
    const actor = actorOf(request);
    const task = await taskFor(actor, request.params.taskId);
    return throughTemporal(
      () => deps.client.workflow.getHandle(task.workflow_id).executeUpdate(claimTaskUpdate, { args: [{ taskId: task.id, actor: taskActor(actor), claim }] }),
      processEnded(task.id),
    );
  };

  app.post('/tasks/:taskId/claim', { config: { roles: ['ndrc', 'agency', 'provider'] }, schema: { summary: 'Claim a task', tags: ['tasks'], params, response: claimAnswer } }, claiming(true));

  app.post(
    '/tasks/:taskId/release',
    {
      config: { roles: ['ndrc', 'agency', 'provider', 'supervisor'] },
      schema: {
        summary: 'Release a claim: my own, or, for a supervisor, a claim left by someone absent',
        description: "A supervisor's release names the claim it ended in the task's history.",
        tags: ['tasks'],
        params,
        response: claimAnswer,
      },
    },
    claiming(false),
  );

  app.post(
    '/tasks/:taskId/reminder',
    {
      config: { roles: ['supervisor'] },
      schema: {
        summary: 'Remind whoever holds an open task (its claimant, or else its organisation or role) that it is due',
        description: "The reminder is a step of the task's history and a notice in the outbox.",
        tags: ['tasks'],
        params,
        response: { 200: z.object({ taskId: z.string(), remindedTo: z.string() }), ...refusals(404, 409) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const task = await taskFor(actor, request.params.taskId);
      return throughTemporal(
        () => deps.client.workflow.getHandle(task.workflow_id).executeUpdate(remindTaskUpdate, { args: [{ taskId: task.id, actor: taskActor(actor) }] }),
        processEnded(task.id),
      );
    },
  );

  app.post(
    '/tasks/:taskId/completion',
    {
      config: { roles: ['ndrc', 'agency', 'provider'] },
      schema: {
        summary: 'Complete a task with a decision; the process validates it before anything is recorded',
        tags: ['tasks'],
        params,
        body: z.strictObject({
          decision: z.string().min(1).max(40),
          reasons: z.string().max(4000),
          correction: recordCorrectionSchema.optional(),
          recordId: z.uuid().optional().describe('the record the correction is for, when the task may correct one of several (decisionInputs.correctionOf)'),
          schedule: z.array(calendarDateSchema).min(1).max(24).optional().describe('the days granted, ascending, when the decision grants a schedule (a repair deferral\'s instalments)'),
          amountsYuan: z.array(z.number().positive().max(1e12)).min(1).max(24).optional().describe('what falls due on each day of the schedule, in yuan: one amount per day'),
        }),
        response: { 200: z.object({ taskId: z.string(), decision: z.string() }), ...refusals(404, 409, 422) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const task = await taskFor(actor, request.params.taskId);
      const { decision, reasons, correction, recordId, schedule, amountsYuan } = request.body;
      // A correction must fit the catalogue and the record's category, or the process could not apply it: checked here, before the decision is taken.
      if (correction) {
        // Only a record the task may correct is read: any other is refused by the process, unread.
        const corrected = recordId === undefined ? task.context.recordId : task.decision_inputs?.correctionOf?.includes(recordId) ? recordId : undefined;
        const category = await categoryOfRecord(deps.pool, corrected);
        const unfit = category ? catalogueProblem(await loadCatalogue(deps.pool), { ...correction, category }) : undefined;
        if (unfit) throw new ApiError(422, 'invalid-correction', `body.correction.${unfit.field}: ${unfit.message}`, `body.correction.${unfit.field}`);
      }
      return throughTemporal(
        () =>
          deps.client.workflow.getHandle(task.workflow_id).executeUpdate(completeTaskUpdate, {
            args: [{ taskId: task.id, actor: taskActor(actor), decision, reasons, ...(correction ? { correction } : {}), ...(recordId ? { recordId } : {}), ...(schedule ? { schedule } : {}), ...(amountsYuan ? { amountsYuan } : {}) }],
          }),
        processEnded(task.id),
      );
    },
  );

  app.get(
    '/tasks/:taskId/case',
    {
      config: { roles: ['ndrc', 'agency', 'provider', 'supervisor'] },
      schema: {
        summary: 'The case a task decides: the record (its details, versions, whether disputed), what was applied for, the decisions taken before in its process, and the task\'s history',
        description: 'Only for a task of the caller (a supervisor sees every one); each view is registered as a read of the person (Art. 22).',
        tags: ['tasks'],
        params,
        querystring: z.strictObject({ record: z.uuid().optional().describe('of a task that may correct one of several records (decisionInputs.correctionOf), the one to show') }),
        response: { ...refusals(404), 200: z.object({ task: taskView, case: caseView, events: z.array(taskEventView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const task = await taskFor(actor, request.params.taskId);
      await registerTaskReads(deps, actor, [task], 'a case under review');
      const [view] = await taskViews(deps.pool, [task]);
      return { task: view!, case: await caseOf(deps.pool, task, request.query.record), events: await taskEvents(deps.pool, task.id) };
    },
  );

  app.get(
    '/tasks/:taskId/history',
    {
      config: { roles: ['ndrc', 'agency', 'provider', 'supervisor'] },
      schema: {
        summary: 'What happened to a task: created, claimed, released, completed, cancelled',
        tags: ['tasks'],
        params,
        response: { ...refusals(404), 200: z.object({ task: taskView, events: z.array(taskEventView) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const task = await taskFor(actor, request.params.taskId);
      await registerTaskReads(deps, actor, [task], 'a task and its history');
      const [view] = await taskViews(deps.pool, [task]);
      return { task: view!, events: await taskEvents(deps.pool, task.id) };
    },
  );
};
