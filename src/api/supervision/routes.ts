import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { calendarDateSchema } from '../../domain/input';
import { addCalendarMonths, addDays, daysBetween, shanghaiDayOf, type LocalDate } from '../../domain/working-days';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { dayView, instantView } from '../shared/formats';
import { slaReport, slaReportCsv } from './queries';
import { processesInTrouble } from './troubles';

/** The longest period one report covers: a year, day by day. */
const MAX_PERIOD_DAYS = 366;

const periodQuery = z.strictObject({
  from: calendarDateSchema.optional().describe('the first due day counted (default: the first day of this month, Asia/Shanghai)'),
  to: calendarDateSchema.optional().describe('the last due day counted (default: the last day of the month of `from`)'),
});

/** The period a report covers: the month of today (Shanghai) unless told otherwise, at most a year. */
export function reportPeriod(query: { from?: string | undefined; to?: string | undefined }): { from: LocalDate; to: LocalDate } {
  const from = query.from ?? `${shanghaiDayOf(new Date()).slice(0, 7)}-01`;
  const to = query.to ?? addDays(addCalendarMonths(`${from.slice(0, 7)}-01`, 1), -1);
  if (to < from) throw new ApiError(400, 'invalid-input', 'querystring.to: must not be before from', 'querystring.to');
  if (daysBetween(from, to).length > MAX_PERIOD_DAYS) throw new ApiError(400, 'invalid-input', `querystring.to: a report covers at most ${MAX_PERIOD_DAYS} days`, 'querystring.to');
  return { from, to };
}

const figures = {
  metOnTime: z.number().describe('finished by their due time'),
  metLate: z.number().describe('finished after their due time'),
  breached: z.number().describe('not finished, past their due time'),
  open: z.number().describe('not finished, within their time'),
  failed: z.number().describe('stopped because their process failed for good (see GET /supervision/troubles)'),
};

const troubleView = z.object({
  kind: z.enum(['failed', 'workflow-task-failing', 'activity-retrying']),
  workflowId: z.string(),
  workflowType: z.string(),
  reason: z.string().describe("a failure's type and message: names and rules, never data"),
  since: instantView,
  activityType: z.string().optional(),
  attempt: z.number().optional(),
  webUiUrl: z.string().describe('the workflow in the Temporal Web UI'),
});

/** Supervisors' SLA compliance by agency and process (issue 13): the board's figures, as JSON and CSV; and the processes in trouble. */
export const supervisionRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/supervision/troubles',
    {
      config: { roles: ['supervisor', 'ndrc'] },
      schema: {
        summary: 'Processes in trouble: workflows failed, workflows whose tasks keep failing, steps retrying from their fourth attempt',
        description: 'Newest first, at most `limit` of each kind. Retrying for ever is never silent: each with its reason and a link to the Temporal Web UI.',
        tags: ['supervision'],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ troubles: z.array(troubleView) }) },
      },
    },
    async (request) => ({ troubles: await processesInTrouble(deps, request.query.limit) }),
  );

  app.get(
    '/reports/sla',
    {
      config: { roles: ['supervisor', 'ndrc'] },
      schema: {
        summary: 'SLA compliance of the stages due in a period, per agency and process and per due day',
        tags: ['supervision'],
        querystring: periodQuery,
        response: {
          200: z.object({
            from: dayView,
            to: dayView,
            rows: z.array(z.object({ agencyId: z.string().nullable().describe("null: the platform's own (NDRC's) stages"), process: z.string(), ...figures })),
            trend: z.array(z.object({ day: dayView, ...figures })),
          }),
        },
      },
    },
    async (request) => slaReport(deps.pool, reportPeriod(request.query)),
  );

  app.get(
    '/reports/sla.csv',
    {
      config: { roles: ['supervisor', 'ndrc'] },
      schema: {
        summary: 'The same SLA compliance per agency and process, as CSV (UTF-8 with a byte-order mark)',
        tags: ['supervision'],
        querystring: periodQuery,
        // Only the report is CSV: a refusal is JSON like every other.
        response: { 200: { description: 'agency,process,metOnTime,metLate,breached,open,failed', content: { 'text/csv': { schema: z.string() } } } },
      },
    },
    async (request, reply) => {
      const period = reportPeriod(request.query);
      const csv = slaReportCsv(await slaReport(deps.pool, period));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sla-${period.from}-${period.to}.csv"`)
        .send(csv);
    },
  );
};
