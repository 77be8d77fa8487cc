import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isCountableDay, timestampSchema } from '../../domain/input';
import { actorOf } from '../auth';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';
import { registerEntries, type RegisterEntry } from './queries';

/** A page's position: the `at` and `id` of its last entry, as `nextPage` gives it. */
const cursorSchema = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z~\d{1,18}$/, 'must be the nextPage of the previous answer')
  .refine((value) => isCountableDay(value.slice(0, 10)) && !Number.isNaN(Date.parse(value.split('~')[0]!)), 'must be the nextPage of the previous answer')
  .transform((value) => {
    const [at, id] = value.split('~') as [string, string];
    return { at, id };
  });

const pageQuery = {
  from: timestampSchema.optional().describe('entries at or after this instant'),
  to: timestampSchema.optional().describe('entries before this instant'),
  before: cursorSchema.optional().describe('the nextPage of the previous answer'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
};

/** A time range must run forward. */
function checkRange({ from, to }: { from?: string | undefined; to?: string | undefined }): void {
  if (from && to && Date.parse(from) >= Date.parse(to)) throw new ApiError(400, 'invalid-input', 'querystring.to: must be after from', 'querystring.to');
}

const nextPage = (entries: RegisterEntry[], limit: number) => {
  const last = entries.at(-1);
  return entries.length === limit && last ? last.cursor : null;
};

/**
 * Art. 22: the register of every read of a person's data, allowed or refused. Supervisors search
 * it; a person sees who looked at their data and why. Reading the register is itself registered.
 */
export const registerRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/register',
    {
      config: { roles: ['supervisor'] },
      schema: {
        summary: 'Search the query register: who read whose data, for what, on what basis, when, and whether it was refused (Art. 22)',
        tags: ['register'],
        querystring: z.strictObject({
          personId: z.uuid().optional(),
          actorId: z.string().min(1).max(200).optional(),
          agency: z.string().min(1).max(200).optional(),
          outcome: z.enum(['granted', 'refused']).optional(),
          ...pageQuery,
        }),
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                id: z.string(),
                at: instantView,
                actorRole: z.string(),
                actorId: z.string(),
                actorAgency: z.string().nullable(),
                personId: z.string().nullable(),
                purpose: z.string(),
                legalBasis: z.string(),
                outcome: z.enum(['granted', 'refused']),
                subject: z.string().nullable(),
              }),
            ),
            nextPage: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      checkRange(request.query);
      const found = await registerEntries(deps.pool, request.query);
      const entries = found.map(({ cursor: _cursor, ...entry }) => entry);
      const persons = entries.map((entry) => entry.personId).filter((id): id is string => id !== null);
      await deps.queryLog.personRead(actor, persons, 'query register search', 'Art. 22');
      return { entries, nextPage: nextPage(found, request.query.limit) };
    },
  );

  app.get(
    '/me/register',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'Who looked at my data, for what and on what basis, allowed or refused (Art. 22; PIPL art. 45)',
        description: 'Organisations and roles, not the individual staff member; my own reads are left out unless asked for.',
        tags: ['register'],
        querystring: z.strictObject({ includeOwn: z.enum(['true', 'false']).default('false'), ...pageQuery }),
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                at: instantView,
                actorRole: z.string(),
                organisation: z.string().nullable().describe('the agency or organisation that read, for roles acting for one'),
                purpose: z.string(),
                legalBasis: z.string(),
                outcome: z.enum(['granted', 'refused']),
              }),
            ),
            nextPage: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { includeOwn, ...page } = request.query;
      checkRange(page);
      const entries = await registerEntries(deps.pool, { ...page, personId: actor.personId!, ...(includeOwn === 'true' ? {} : { notByPerson: actor.personId! }) });
      await deps.queryLog.personRead(actor, [actor.personId!], 'who read my data', 'Art. 22');
      return {
        entries: entries.map((entry) => ({
          at: entry.at,
          actorRole: entry.actorRole,
          organisation: entry.actorAgency,
          purpose: entry.purpose,
          legalBasis: entry.legalBasis,
          outcome: entry.outcome,
        })),
        nextPage: nextPage(entries, page.limit),
      };
    },
  );
};
