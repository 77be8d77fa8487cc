import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ROLES } from '../../domain/roles';
import { calendarDateSchema } from '../../domain/input';
import { CALENDAR_YEARS, PACKAGE_YEARS, yearFromNotice } from '../../domain/official-calendar';
import { isWeekend, yearOf } from '../../domain/working-days';
import {
  calendarChangeSummary,
  calendarChangeWorkflowId,
  calendarChangeWorkflowType,
  type CalendarChangeRequest,
  type CalendarChangeWorkflow,
} from '../../workflows/calendar/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView } from '../shared/formats';
import { failureReason, throughTemporal } from '../workflow-failures';
import { calendarYear } from './queries';

const year = z.coerce.number().int().min(CALENDAR_YEARS.first).max(CALENDAR_YEARS.last);
const noticeEntry = z.strictObject({ day: calendarDateSchema, name: z.string().min(1).max(100) });

const noticeBody = z
  .strictObject({
    holidays: z.array(noticeEntry).max(60).optional().describe('The notice\'s rest days; omit both lists to load the year from the chinese-days package'),
    makeUpWorkdays: z.array(noticeEntry).max(20).optional().describe('Weekend days the notice makes working days (调休)'),
  })
  .refine((body) => (body.holidays === undefined) === (body.makeUpWorkdays === undefined), {
    message: 'give both holidays and makeUpWorkdays, or neither',
    path: ['makeUpWorkdays'],
  })
  .refine((body) => (body.makeUpWorkdays ?? []).every((entry) => isWeekend(entry.day)), {
    message: 'a make-up working day must be a Saturday or Sunday',
    path: ['makeUpWorkdays'],
  })
  .refine((body) => distinctDays([...(body.holidays ?? []), ...(body.makeUpWorkdays ?? [])]), { message: 'a day appears twice', path: ['holidays'] });

/** Each day once: a day given twice has no one meaning, and the store takes each day once. */
function distinctDays(entries: { day: string }[]): boolean {
  return new Set(entries.map((entry) => entry.day)).size === entries.length;
}

const correctionBody = z.strictObject({
  days: z
    .array(z.strictObject({ day: calendarDateSchema, isWorkingDay: z.boolean(), note: z.string().max(200).nullable().default(null) }))
    .min(1)
    .max(60)
    .refine(distinctDays, 'a day appears twice'),
  reason: z.string().min(1).max(500),
});

const accepted = z.object({ changeId: z.string(), workflowId: z.string() });
const changeStatus = z.object({
  changeId: z.string(),
  status: z.string(),
  result: z.object({ days: z.number(), workingDays: z.number().optional(), source: z.string().optional(), signalled: z.number() }).optional(),
  failure: z.string().optional().describe('why a failed change failed'),
});

const CHANGE_ID = /^[\w-]{1,80}$/;

/** The working-day calendar: admins load a year or correct days; everyone signed in can read it. */
export const calendarRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  async function startChange(changeId: string, request: CalendarChangeRequest) {
    const workflowId = calendarChangeWorkflowId(changeId);
    await throughTemporal(
      () =>
        deps.client.workflow.start<CalendarChangeWorkflow>(calendarChangeWorkflowType, {
          taskQueue: deps.taskQueue,
          workflowId,
          args: [request],
          staticSummary: calendarChangeSummary(request),
        }),
      { message: `No calendar change ${changeId}`, field: 'changeId' },
    );
    return { changeId, workflowId };
  }

  app.post(
    '/admin/calendar/years/:year',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Load (or reload) a year of the working-day calendar; open deadlines move with it',
        tags: ['calendar'],
        params: z.strictObject({ year }),
        body: noticeBody.optional(),
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { year: y } = request.params;
      const body = request.body ?? {};
      const entries = [...(body.holidays ?? []), ...(body.makeUpWorkdays ?? [])];
      const stray = entries.findIndex((entry) => yearOf(entry.day) !== y);
      if (stray >= 0) throw new ApiError(400, 'invalid-input', `body: ${entries[stray]!.day} is not in ${y}`, 'body.holidays');
      if (!body.holidays && !PACKAGE_YEARS.includes(y)) {
        throw new ApiError(
          400,
          'calendar-year-unavailable',
          `body.holidays: the chinese-days package has no notice for ${y} (it covers ${PACKAGE_YEARS[0]}-${PACKAGE_YEARS.at(-1)}); give the notice's holidays and makeUpWorkdays`,
          'body.holidays',
        );
      }
      const days = body.holidays ? yearFromNotice(y, body.holidays, body.makeUpWorkdays ?? []) : undefined;
      const started = await startChange(`${y}-load-${randomUUID().slice(0, 8)}`, { kind: 'load-year', year: y, ...(days ? { days } : {}), requestedBy: actor.subject });
      return reply.status(202).send(started);
    },
  );

  app.post(
    '/admin/calendar/corrections',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Correct single days of the calendar (a mid-year change of arrangements); open deadlines move',
        tags: ['calendar'],
        body: correctionBody,
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const first = request.body.days[0]!.day;
      const started = await startChange(`${first}-correction-${randomUUID().slice(0, 8)}`, {
        kind: 'correct-days',
        days: request.body.days,
        requestedBy: actor.subject,
      });
      return reply.status(202).send(started);
    },
  );

  app.get(
    '/admin/calendar/changes/:changeId',
    {
      config: { roles: ['admin', 'supervisor'] },
      schema: {
        summary: 'Follow a calendar change',
        tags: ['calendar'],
        params: z.strictObject({ changeId: z.string().regex(CHANGE_ID, 'must be a change id returned when the change was started') }),
        response: { 200: changeStatus, ...refusals(404) },
      },
    },
    async (request) => {
      const { changeId } = request.params;
      const handle = deps.client.workflow.getHandle<CalendarChangeWorkflow>(calendarChangeWorkflowId(changeId));
      const notFound = { message: `No calendar change ${changeId}`, field: 'changeId' };
      const { status } = await throughTemporal(() => handle.describe(), notFound);
      if (status.name === 'COMPLETED') return { changeId, status: status.name, result: await throughTemporal(() => handle.result(), notFound) };
      if (status.name !== 'FAILED') return { changeId, status: status.name };
      const failure = await handle.result().then(
        () => undefined,
        (error: unknown) => failureReason(error),
      );
      return { changeId, status: status.name, ...(failure ? { failure } : {}) };
    },
  );

  app.get(
    '/calendar/years/:year',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'The working-day calendar of a year, as the platform counts deadlines',
        tags: ['calendar'],
        params: z.strictObject({ year }),
        response: {
          200: z.object({
            year: z.number(),
            published: z.boolean(),
            days: z.array(z.object({ day: dayView, isWorkingDay: z.boolean(), source: z.string(), note: z.string().nullable() })),
          }),
        },
      },
    },
    async (request) => {
      return calendarYear(deps.pool, request.params.year);
    },
  );
};
