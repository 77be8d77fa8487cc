import { heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { activeModels, scorePersons } from '../db/scoring';
import { shanghaiDayOf, type LocalDate } from '../domain/working-days';
import { rescorePersonWorkflow, rescoreRequestedSignal } from '../workflows/rescore-person';

export interface RangeResult {
  /** The last person id of the range, or null when no persons were left. */
  upTo: string | null;
  persons: number;
  scored: number;
  levelChanges: number;
}

export interface RunSummary {
  runId: string;
  onDay: LocalDate;
  personsScored: number;
  levelChanges: number;
  outOfScope: number;
}

/** Activities of scoring (Art. 4, 6, 13, 14). */
export function createScoringActivities({ pool, client, taskQueue }: { pool: pg.Pool; client: Client; taskQueue: string }) {
  return {
    /**
     * Art. 6: a change to a person's records asks for their rescoring. Signal-with-start, so a
     * burst of changes lands on one running `rescore-person/{personId}` and coalesces.
     */
    async requestRescoring(input: { personIds: string[]; reason: string }): Promise<void> {
      for (const personId of input.personIds) {
        await client.workflow.signalWithStart(rescorePersonWorkflow, {
          workflowId: `rescore-person/${personId}`,
          taskQueue,
          args: [{ personId }],
          signal: rescoreRequestedSignal,
          signalArgs: [{ reason: input.reason }],
        });
      }
    },

    /** One person's scores in every active scenario, on today's Shanghai day. */
    async rescorePerson(input: { personId: string; computedBy: string }): Promise<{ scored: number; levelChanges: number }> {
      const now = new Date();
      const result = await scorePersons(pool, {
        models: await activeModels(pool),
        onDay: shanghaiDayOf(now),
        computedBy: input.computedBy,
        computedAt: now.toISOString(),
        persons: { ids: [input.personId] },
      });
      await pool.query('UPDATE rescore_requests SET answered_at = $2 WHERE person_id = $1 AND answered_at IS NULL', [input.personId, now]);
      return { scored: result.scored, levelChanges: result.levelChanges };
    },

    async openRescoringRun(input: { runId: string; scenarios: string[]; onDay: LocalDate; startedAt: string }): Promise<void> {
      await pool.query(
        `INSERT INTO rescoring_runs (id, scenarios, on_day, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
        [input.runId, input.scenarios, input.onDay, input.startedAt],
      );
    },

    /**
     * Scores the next `pageSize` persons after `after` (by id) in every scenario of the run. A
     * retry after a crash repeats the same range and writes nothing twice (history is keyed by run).
     */
    async rescoreRange(input: { runId: string; scenarios: string[]; onDay: LocalDate; after: string; pageSize: number }): Promise<RangeResult> {
      const bound = await pool.query<{ up_to: string | null; persons: number }>(
        `WITH page AS (SELECT id FROM persons WHERE id > $1 ORDER BY id LIMIT $2)
         SELECT (SELECT id::text FROM page ORDER BY id DESC LIMIT 1) AS up_to, (SELECT count(*)::int FROM page) AS persons`,
        [input.after, input.pageSize],
      );
      const { up_to: upTo, persons } = bound.rows[0]!;
      if (!upTo) return { upTo: null, persons: 0, scored: 0, levelChanges: 0 };
      heartbeat({ after: input.after, upTo });
      const result = await scorePersons(pool, {
        models: await activeModels(pool, input.scenarios),
        onDay: input.onDay,
        computedBy: input.runId,
        computedAt: new Date().toISOString(),
        persons: { after: input.after, upTo },
      });
      return { upTo, persons, scored: result.scored, levelChanges: result.levelChanges };
    },

    /** The run's summary, counted from what it wrote, so a resumed run reports exactly. */
    async finishRescoringRun(input: { runId: string; at: string }): Promise<RunSummary> {
      const result = await pool.query<{ on_day: LocalDate; persons_scored: number; level_changes: number; out_of_scope: number }>(
        `WITH run AS (SELECT id, on_day, scenarios[1] AS scenario FROM rescoring_runs WHERE id = $1),
         counts AS (
           SELECT count(*) AS scored, count(*) FILTER (WHERE h.previous_level IS NOT NULL AND h.previous_level <> h.level) AS changes
           FROM score_history h, run WHERE h.computed_by = run.id AND h.scenario = run.scenario
         )
         UPDATE rescoring_runs r SET finished_at = coalesce(r.finished_at, $2), persons_scored = c.scored, level_changes = c.changes,
           out_of_scope = (SELECT count(*) FROM persons) - c.scored
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

export type ScoringActivities = ReturnType<typeof createScoringActivities>;
