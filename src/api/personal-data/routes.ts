import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasAgreementInForce } from '../../db/agreement-in-force';
import { shanghaiDayOf } from '../../domain/working-days';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';

/**
 * Everything the platform keeps about a person, table by table (PIPL art. 45). A table that comes
 * to hold a person's data gets its line here; the export test lists them.
 */
const SECTIONS = {
  records: 'SELECT to_jsonb(r) AS row FROM records r WHERE person_id = $1 ORDER BY shared_at, id',
  recordVersionsReplaced: 'SELECT to_jsonb(h) AS row FROM record_history h WHERE person_id = $1 ORDER BY id, version',
  objections: 'SELECT to_jsonb(o) AS row FROM objections o WHERE person_id = $1 ORDER BY received_at',
  declarations: 'SELECT to_jsonb(d) AS row FROM declarations d WHERE person_id = $1 ORDER BY authorized_at',
  repairs: 'SELECT to_jsonb(p) AS row FROM repairs p WHERE person_id = $1 ORDER BY committed_at',
  civicEvents: 'SELECT to_jsonb(c) AS row FROM civic_events c WHERE person_id = $1 ORDER BY occurred_on, event_id',
  agreements: 'SELECT to_jsonb(a) AS row FROM agreements a WHERE person_id = $1 ORDER BY signed_at',
  authorizations: 'SELECT to_jsonb(a) AS row FROM authorizations a WHERE person_id = $1 ORDER BY granted_at',
  reviewTasks: 'SELECT to_jsonb(t) AS row FROM tasks t WHERE person_id = $1 ORDER BY created_at, id',
  register: 'SELECT to_jsonb(q) AS row FROM query_log q WHERE person_id = $1 ORDER BY at, id',
  notifications: `SELECT to_jsonb(n) AS row FROM notifications n WHERE recipient_role = 'person' AND recipient_id = $1::text ORDER BY created_at, id`,
} as const;

/** Scores replaced by later ones: shown, like the current scores, only while the agreement is in force (Art. 7). */
const SCORES_REPLACED = 'SELECT to_jsonb(h) AS row FROM score_history h WHERE person_id = $1 ORDER BY computed_at';

const rows = z.array(z.record(z.string(), z.unknown()));

/** PIPL art. 45: a person obtains a copy of their personal information as a machine-readable file. */
export const personalDataRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/me/personal-data',
    {
      config: { roles: ['person'] },
      schema: {
        summary: 'A copy of everything the platform keeps about me, as one JSON file (PIPL art. 45)',
        description:
          'Identity as stored, records and their replaced versions, scores with their breakdowns and the scores they replaced (only while the agreement of Art. 7 is in force), ' +
          'objections, declarations, repairs and the reviewers’ tasks about them, civilised-behaviour events, agreements, authorizations, the register of reads of my data, and notices. Needs real-name authentication.',
        tags: ['persons'],
        response: {
          200: z.object({
            exportedAt: instantView,
            person: z.object({ personId: z.string(), identityNumber: z.string(), birthDate: z.string(), residency: z.string().nullable(), residencePermitValidUntil: z.string().nullable(), civilCapacity: z.string().nullable() }),
            scores: z
              .array(z.object({ scenario: z.string(), modelId: z.string(), score: z.number(), level: z.string(), onDay: z.string(), computedAt: z.string(), breakdown: z.record(z.string(), z.unknown()) }))
              .nullable()
              .describe('null while no agreement is in force (Art. 7)'),
            scoresReplaced: rows.nullable().describe('the scores replaced by later ones; null while no agreement is in force (Art. 7)'),
            ...Object.fromEntries(Object.keys(SECTIONS).map((name) => [name, rows])),
          }),
          ...refusals(404),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (!actor.realName) throw new ApiError(403, 'real-name-required', 'A copy of personal information needs real-name authentication', 'token');
      const personId = actor.personId!;
      const found = await deps.pool.query<{ id_number_encrypted: Buffer; birth_date: string; residency: string | null; residence_permit_valid_until: string | null; civil_capacity: string | null }>(
        'SELECT id_number_encrypted, birth_date, residency, residence_permit_valid_until, civil_capacity FROM persons WHERE id = $1',
        [personId],
      );
      const person = found.rows[0];
      if (!person) throw new ApiError(404, 'not-found', 'The platform keeps nothing about this person', 'person');
      const sections = await Promise.all(
        Object.entries(SECTIONS).map(async ([name, sql]) => [name, (await deps.pool.query<{ row: Record<string, unknown> }>(sql, [personId])).rows.map((r) => r.row)] as const),
      );
      // Art. 7: no score leaves the platform, to the person included, without the agreement in force; the copy says so by null.
      const agreed = await hasAgreementInForce(deps.pool, personId);
      const scores = agreed ? await deps.scores.explainedScores(personId) : null;
      const scoresReplaced = agreed ? (await deps.pool.query<{ row: Record<string, unknown> }>(SCORES_REPLACED, [personId])).rows.map((r) => r.row) : null;
      await deps.queryLog.personRead(actor, [personId], 'copy of my personal information', 'PIPL art. 45');
      const exportedAt = new Date().toISOString();
      reply.header('content-disposition', `attachment; filename="personal-data-${shanghaiDayOf(new Date(exportedAt))}.json"`);
      return {
        exportedAt,
        person: {
          personId,
          identityNumber: deps.identity.decrypt(person.id_number_encrypted),
          birthDate: person.birth_date,
          residency: person.residency,
          residencePermitValidUntil: person.residence_permit_valid_until,
          civilCapacity: person.civil_capacity,
        },
        scores,
        scoresReplaced,
        ...Object.fromEntries(sections),
      };
    },
  );
};
