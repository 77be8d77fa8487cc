import { heartbeat } from '@temporalio/activity';
import type pg from 'pg';
import { activeModels, scorePersons } from '../../db/scoring';
import { withTransaction } from '../../db/transaction';
import type { LocalDate } from '../../domain/working-days';
import type { RunSummary } from '../../workflows/scoring/contract';
import { scoreOnRequest } from '../shared/rescoring-requests';

export interface RangeResult {
  upTo: string;
  persons: number;
  scored: number;
  levelChanges: number;
}

/** Activities of rescoring (Art. 6): a person on request, and every person in id ranges. */
export function createRescoringActivities({ pool, workerIdentity }: { pool: pg.Pool; workerIdentity: string }) {
  return {
    /** One person's scores in every active scenario, on today's Shanghai day. */
    async rescorePerson(input: { personId: string; computedBy: string }): Promise<{ scored: number; levelChanges: number }> {
      const result = await scoreOnRequest(pool, { personIds: [input.personId], computedBy: input.computedBy, at: new Date().toISOString() });
      return { scored: result.scored, levelChanges: result.levelChanges };
    },

    async openRescoringRun(input: { runId: string; scenarios: string[]; onDay: LocalDate; startedAt: string }): Promise<void> {
      await pool.query(
        `INSERT INTO rescoring_runs (id, scenarios, on_day, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
        [input.runId, input.scenarios, input.onDay, input.startedAt],
      );
    },

    /** The next ranges of a run: up to `ranges` id ranges of `pageSize` persons each, after `after`. */
    async planRanges(input: { after: string; pageSize: number; ranges: number }): Promise<{ after: string; upTo: string; persons: number }[]> {
      const bounds = await pool.query<{ up_to: string; persons: number }>(
        `SELECT id::text AS up_to, n::int AS persons FROM (
           SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total
           FROM (SELECT id FROM persons WHERE id > $1 ORDER BY id LIMIT $2) page
         ) numbered WHERE n % $3 = 0 OR n = total ORDER BY id`,
        [input.after, input.pageSize * input.ranges, input.pageSize],
      );
      let after = input.after;
      let counted = 0;
      return bounds.rows.map((row) => {
        const range = { after, upTo: row.up_to, persons: row.persons - counted };
        after = row.up_to;
        counted = row.persons;
        return range;
      });
    },

    /**
     * Scores the persons with ids in (after, upTo] in every scenario of the run, in one transaction
     * with the range's row. A retry after a crash repeats the same range and writes nothing twice.
     */
    async rescoreRange(input: { runId: string; scenarios: string[]; onDay: LocalDate; after: string; upTo: string; persons: number }): Promise<RangeResult> {
      const { upTo, persons } = input;
      heartbeat({ after: input.after, upTo });
      const models = await activeModels(pool, input.scenarios);
      const result = await withTransaction(pool, async (db) => {
        const scored = await scorePersons(db, {
          models,
          onDay: input.onDay,
          computedBy: input.runId,
          computedAt: new Date().toISOString(),
          persons: { after: input.after, upTo },
        });
        // Scored per person, not per scenario: the first scenario's count is the run's.
        const perPerson = Math.round(scored.scored / models.length);
        await db.query(
          `INSERT INTO rescoring_ranges (run_id, after_id, up_to, persons, scored, level_changes, out_of_scope, scored_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id, after_id) DO NOTHING`,
          [input.runId, input.after, upTo, persons, perPerson, scored.levelChanges, scored.outOfScope, workerIdentity],
        );
        return scored;
      });
      return { upTo, persons, scored: result.scored, levelChanges: result.levelChanges };
    },

    /** The run's summary, counted from what it wrote, so a resumed run reports exactly. */
    async finishRescoringRun(input: { runId: string; at: string }): Promise<RunSummary> {
      const result = await pool.query<{ on_day: LocalDate; persons_scored: number; level_changes: number; out_of_scope: number }>(
        `WITH counts AS (
           SELECT coalesce(sum(scored), 0) AS scored, coalesce(sum(level_changes), 0) AS changes, coalesce(sum(out_of_scope), 0) AS out_of_scope
           FROM rescoring_ranges WHERE run_id = $1
         )
         UPDATE rescoring_runs r SET finished_at = coalesce(r.finished_at, $2), persons_scored = c.scored, level_changes = c.changes,
           out_of_scope = c.out_of_scope
         FROM counts c WHERE r.id = $1
         RETURNING r.on_day, r.persons_scored::int, r.level_changes::int, r.out_of_scope::int`,
        [input.runId, input.at],
      );
      const row = result.rows[0]!;
      return { runId: input.runId, onDay: row.on_day, personsScored: row.persons_scored, levelChanges: row.level_changes, outOfScope: row.out_of_scope };
    },

    /** The scenarios that have an active model now. */
    async activeScenarios(): Promise<string[]> {
      return (await activeModels(pool)).map((model) => model.scenario);
    },
  };
}
