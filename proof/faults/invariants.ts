import type pg from 'pg';
import type { Ledger } from './campaign';

export interface InvariantResult {
  name: string;
  violations: number;
  /** A few of the offending rows, for the reader of a failed proof. */
  examples: unknown[];
}

/** Grace for a breach timer that fires at its due time, and a check that runs right after. */
const TIMER_GRACE = "interval '1 minute'";

interface Invariant {
  name: string;
  /** Returns the offending rows. */
  sql: string;
  params?: (ledger: Ledger) => unknown[];
}

/**
 * What must hold after any mix of crashes, in the platform's own tables: nothing the API accepted
 * is lost, nothing is written twice, every process that was promised finished, and no passed due
 * time went without its breach flag. Each query returns the rows that break its rule.
 */
const INVARIANTS: Invariant[] = [
  {
    name: 'every accepted record is stored',
    sql: `SELECT s.sharer, s.reference FROM unnest($1::text[], $2::text[]) AS s (sharer, reference)
          WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.sharer_id = s.sharer AND r.reference = s.reference)`,
    params: (ledger) => [ledger.shared.map((s) => s.sharerId), ledger.shared.map((s) => s.reference)],
  },
  {
    name: 'a record closed its obligation, and its version counts its history',
    sql: `SELECT r.sharer_id, r.reference, o.state, r.version FROM records r
          LEFT JOIN obligations o ON o.sharer_id = r.sharer_id AND o.reference = r.reference
          WHERE o.state <> 'shared' OR r.version <> 1 + (SELECT count(*) FROM record_history h WHERE h.id = r.id)`,
  },
  {
    name: 'an obligation shared has its record',
    sql: `SELECT o.workflow_id FROM obligations o WHERE o.state = 'shared'
          AND NOT EXISTS (SELECT 1 FROM records r WHERE r.sharer_id = o.sharer_id AND r.reference = o.reference)`,
  },
  {
    name: 'every batch finished with its rows counted once',
    sql: `SELECT b.id, b.finished_at, b.accepted, b.refused, b.duplicates, e.accepted AS expected_accepted
          FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[]) AS e (id, accepted, refused, duplicates)
          LEFT JOIN intake_batches b ON b.id = e.id
          WHERE b.finished_at IS NULL OR (b.accepted, b.refused, b.duplicates) IS DISTINCT FROM (e.accepted, e.refused, e.duplicates)`,
    params: (ledger) => [ledger.batches.map((b) => b.batchId), ledger.batches.map((b) => b.accepted), ledger.batches.map((b) => b.refused), ledger.batches.map((b) => b.duplicates)],
  },
  {
    name: 'each SLA stage of a workflow is opened once',
    sql: `SELECT workflow_id, stage, count(*) FROM sla_stages GROUP BY workflow_id, stage HAVING count(*) > 1`,
  },
  {
    name: 'no passed due time without its breach flag',
    sql: `SELECT workflow_id, stage, due_at, finished_at, state, breached_at FROM sla_stages
          WHERE (finished_at IS NULL AND due_at < now() - ${TIMER_GRACE} AND (state <> 'breached' OR breached_at IS NULL))
             OR (finished_at > due_at AND state <> 'breached')
             OR (finished_at <= due_at AND state = 'breached')`,
  },
  {
    name: 'a closed process leaves no stage open',
    sql: `SELECT s.workflow_id, s.stage FROM sla_stages s
          WHERE s.finished_at IS NULL AND (
            EXISTS (SELECT 1 FROM objections o WHERE 'objection/' || o.id = s.workflow_id AND o.state <> 'open')
            OR EXISTS (SELECT 1 FROM repairs p WHERE 'repair/' || p.id = s.workflow_id AND p.closed_at IS NOT NULL)
            OR EXISTS (SELECT 1 FROM obligations b WHERE b.workflow_id = s.workflow_id AND b.state <> 'open'))`,
  },
  {
    name: 'each task is created once and completed at most once',
    sql: `SELECT t.id, t.kind, t.state,
                 count(*) FILTER (WHERE e.event = 'created') AS created,
                 count(*) FILTER (WHERE e.event = 'completed') AS completed
          FROM tasks t LEFT JOIN task_events e ON e.task_id = t.id
          GROUP BY t.id
          HAVING count(*) FILTER (WHERE e.event = 'created') <> 1
              OR count(*) FILTER (WHERE e.event = 'completed') <> CASE WHEN t.state = 'completed' THEN 1 ELSE 0 END`,
  },
  {
    name: 'a process waits on one task of a kind at a time',
    sql: `SELECT workflow_id, kind, count(*) FROM tasks WHERE state IN ('open', 'claimed') GROUP BY workflow_id, kind HAVING count(*) > 1`,
  },
  {
    name: 'a decided objection or closed repair has no task left open',
    sql: `SELECT t.workflow_id, t.kind FROM tasks t WHERE t.state IN ('open', 'claimed') AND (
            EXISTS (SELECT 1 FROM objections o WHERE 'objection/' || o.id = t.workflow_id AND o.state <> 'open')
            OR EXISTS (SELECT 1 FROM repairs p WHERE 'repair/' || p.id = t.workflow_id AND p.closed_at IS NOT NULL))`,
  },
  {
    name: 'no notification is written twice',
    sql: `SELECT workflow_id, kind, recipient_role, recipient_id, count(*) FROM notifications
          GROUP BY workflow_id, kind, recipient_role, recipient_id, body HAVING count(*) > 1`,
  },
  {
    name: 'every answered read of a person is registered once (Art. 22)',
    sql: `SELECT e.person_id, e.answered, e.asked, (SELECT count(*) FROM query_log q WHERE q.person_id = e.person_id AND q.actor_role = 'person') AS registered
          FROM unnest($1::uuid[], $2::int[], $3::int[]) AS e (person_id, answered, asked)
          WHERE (SELECT count(*) FROM query_log q WHERE q.person_id = e.person_id AND q.actor_role = 'person') NOT BETWEEN e.answered AND e.asked`,
    params: (ledger) => {
      const reads = [...ledger.reads.entries()];
      return [reads.map(([person]) => person), reads.map(([, r]) => r.answered), reads.map(([, r]) => r.asked)];
    },
  },
  {
    name: 'every rescoring request is answered (Art. 6)',
    sql: `SELECT id, person_id, requested_at FROM rescore_requests WHERE answered_at IS NULL`,
  },
  {
    name: "every person's score follows their last record change",
    sql: `SELECT p.person_id, s.computed_at, greatest(max(r.shared_at), max(h.superseded_at)) AS last_change
          FROM unnest($1::uuid[]) AS p (person_id)
          LEFT JOIN scores s ON s.person_id = p.person_id AND s.scenario = 'base'
          JOIN records r ON r.person_id = p.person_id
          LEFT JOIN record_history h ON h.person_id = p.person_id
          GROUP BY p.person_id, s.computed_at
          HAVING s.computed_at IS NULL OR s.computed_at < greatest(max(r.shared_at), max(h.superseded_at))`,
    params: (ledger) => [ledger.persons],
  },
  {
    name: 'every rescoring run finished, its ranges counted once',
    sql: `SELECT r.id, r.finished_at, r.persons_scored, (SELECT coalesce(sum(g.scored), 0) FROM rescoring_ranges g WHERE g.run_id = r.id) AS ranges_scored
          FROM rescoring_runs r
          WHERE r.finished_at IS NULL OR r.persons_scored <> (SELECT coalesce(sum(g.scored), 0) FROM rescoring_ranges g WHERE g.run_id = r.id)`,
  },
  {
    name: 'each objection and repair the API promised reached its end',
    sql: `SELECT w.id FROM unnest($1::text[]) AS w (id)
          WHERE NOT EXISTS (SELECT 1 FROM objections o WHERE 'objection/' || o.id = w.id AND o.state = 'decided')
            AND NOT EXISTS (SELECT 1 FROM repairs p WHERE 'repair/' || p.id = w.id AND p.state = 'approved')`,
    params: (ledger) => [ledger.promised],
  },
];

export async function checkInvariants(pool: pg.Pool, ledger: Ledger): Promise<InvariantResult[]> {
  const results: InvariantResult[] = [];
  for (const invariant of INVARIANTS) {
    const rows = (await pool.query(invariant.sql, invariant.params?.(ledger) ?? [])).rows;
    results.push({ name: invariant.name, violations: rows.length, examples: rows.slice(0, 3) });
  }
  return results;
}
