import { heartbeat } from '@temporalio/activity';
import type pg from 'pg';
import { activeModels, scoreOnRequest, scorePersons, type PersonSelection } from '../../db/scores';
import { duePersonsIn, markDuePersons } from './store';
import { withTransaction } from '../../db/transaction';
import type { LocalDate } from '../../domain/working-days';
import type { RescoringSelection, RunSummary } from '../../workflows/scoring/contract';

export interface RangeResult {
  upTo: string;
  persons: number;
  scored: number;
  levelChanges: number;
}

/** Activities of rescoring (Art. 6): a person on request, and everyone or the due in id ranges. */
export function createRescoringActivities({ pool, workerIdentity }: { pool: pg.Pool; workerIdentity: string }) {
  return {
    /** One person's scores in every active scenario, on today's Shanghai day. */
    async rescorePerson(input: { personId: string; computedBy: string }): Promise<{ scored: number; levelChanges: number }> {
      const result = await scoreOnRequest(pool, { personIds: [input.personId], computedBy: input.computedBy });
      return { scored: result.scored, levelChanges: result.levelChanges };
    },

    /**
     * Opens a run and fixes whom it rescores: everyone, or the persons due on the day (marked in
     * `rescoring_due`). A run of the due with no finished run before its day has no boundaries to
     * go by and rescores everyone. A retry finds the run opened and answers as the first time.
     */
    async openRescoringRun(input: {
      runId: string;
      scenarios: string[];
      onDay: LocalDate;
      selection: RescoringSelection;
      startedAt: string;
    }): Promise<{ selection: RescoringSelection; due: number }> {
      return withTransaction(pool, async (db) => {
        const opened = await db.query<{ selection: RescoringSelection; due: string }>('SELECT selection, due FROM rescoring_runs WHERE id = $1', [input.runId]);
        if (opened.rows[0]) return { selection: opened.rows[0].selection, due: Number(opened.rows[0].due) };
        const previous = await db.query<{ on_day: LocalDate | null }>('SELECT max(on_day) AS on_day FROM rescoring_runs WHERE finished_at IS NOT NULL AND on_day < $1', [input.onDay]);
        const since = previous.rows[0]?.on_day ?? null;
        const selection = input.selection === 'due' && since ? 'due' : 'everyone';
        await db.query(`INSERT INTO rescoring_runs (id, scenarios, on_day, started_at, selection) VALUES ($1, $2, $3, $4, $5)`, [
          input.runId, input.scenarios, input.onDay, input.startedAt, selection,
        ]);
        const due =
          selection === 'due'
            ? await markDuePersons(db, { runId: input.runId, onDay: input.onDay, since: since! })
            : (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM persons')).rows[0]!.n;
        await db.query('UPDATE rescoring_runs SET due = $2 WHERE id = $1', [input.runId, due]);
        return { selection, due };
      });
    },

    /**
     * The next ranges of a run: up to `ranges` id ranges of `pageSize` persons each (of everyone,
     * or of the run's due), after `after`, and whether any person remains after them.
     */
    async planRanges(input: {
      runId: string;
      selection: RescoringSelection;
      after: string;
      pageSize: number;
      ranges: number;
    }): Promise<{ ranges: { after: string; upTo: string; persons: number }[]; more: boolean }> {
      const due = input.selection === 'due';
      const page = due
        ? 'SELECT person_id AS id FROM rescoring_due WHERE run_id = $4 AND person_id > $1 ORDER BY person_id LIMIT $2'
        : 'SELECT id FROM persons WHERE id > $1 ORDER BY id LIMIT $2';
      const planned = input.pageSize * input.ranges;
      // One person past the planned ranges says whether any remain.
      const bounds = await pool.query<{ up_to: string; persons: number }>(
        `SELECT id::text AS up_to, n::int AS persons FROM (
           SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total FROM (${page}) page
         ) numbered WHERE n % $3 = 0 OR n = total ORDER BY id`,
        [input.after, planned + 1, input.pageSize, ...(due ? [input.runId] : [])],
      );
      const more = (bounds.rows.at(-1)?.persons ?? 0) > planned;
      let after = input.after;
      let counted = 0;
      const ranges = bounds.rows
        .filter((row) => row.persons <= planned)
        .map((row) => {
          const range = { after, upTo: row.up_to, persons: row.persons - counted };
          after = row.up_to;
          counted = row.persons;
          return range;
        });
      return { ranges, more };
    },

    /**
     * Scores the persons with ids in (after, upTo] in every scenario of the run, in one transaction
     * with the range's row. A retry after a crash repeats the same range and writes nothing twice.
     */
    async rescoreRange(input: {
      runId: string;
      selection: RescoringSelection;
      scenarios: string[];
      onDay: LocalDate;
      after: string;
      upTo: string;
      persons: number;
    }): Promise<RangeResult> {
      const { upTo, persons } = input;
      heartbeat({ after: input.after, upTo });
      const models = await activeModels(pool, input.scenarios);
      const result = await withTransaction(pool, async (db) => {
        const selected: PersonSelection = input.selection === 'due' ? { ids: await duePersonsIn(db, { runId: input.runId, after: input.after, upTo }) } : { after: input.after, upTo };
        const scored = await scorePersons(db, { models, onDay: input.onDay, computedBy: input.runId, computedAt: new Date().toISOString(), persons: selected });
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

    /** The run's summary, counted from what it wrote, so a resumed run reports exactly; the run's due persons are let go. */
    async finishRescoringRun(input: { runId: string; at: string }): Promise<RunSummary> {
      return withTransaction(pool, async (db) => {
        const result = await db.query<{ on_day: LocalDate; selection: RescoringSelection; due: number; persons_scored: number; level_changes: number; out_of_scope: number }>(
          `WITH counts AS (
             SELECT coalesce(sum(scored), 0) AS scored, coalesce(sum(level_changes), 0) AS changes, coalesce(sum(out_of_scope), 0) AS out_of_scope
             FROM rescoring_ranges WHERE run_id = $1
           )
           UPDATE rescoring_runs r SET finished_at = coalesce(r.finished_at, $2), persons_scored = c.scored, level_changes = c.changes,
             out_of_scope = c.out_of_scope
           FROM counts c WHERE r.id = $1
           RETURNING r.on_day, r.selection, r.due::int, r.persons_scored::int, r.level_changes::int, r.out_of_scope::int`,
          [input.runId, input.at],
        );
        await db.query('DELETE FROM rescoring_due WHERE run_id = $1', [input.runId]);
        const row = result.rows[0]!;
        return {
          runId: input.runId,
          onDay: row.on_day,
          selection: row.selection,
          due: row.due,
          personsScored: row.persons_scored,
          levelChanges: row.level_changes,
          outOfScope: row.out_of_scope,
        };
      });
    },

    /** The scenarios that have an active model now. */
    async activeScenarios(): Promise<string[]> {
      return (await activeModels(pool)).map((model) => model.scenario);
    },
  };
}
