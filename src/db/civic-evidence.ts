import type { LocalDate } from '../domain/working-days';
import type { CivicEvidence } from '../workflows/repair/contract';
import type { Queryable } from './pool';

/**
 * Where the civilised-behaviour feed and credit repair meet (Art. 21): the feed routes each event
 * to the open repairs of its route, and a repair filed later counts the events already fed in its
 * window. Each process reads the other's side only here.
 */

/** The civic events of a person and kind that fall in a window, in the order they occurred. */
export async function civicEventsIn(db: Queryable, personId: string, kind: string, from: LocalDate, until: LocalDate): Promise<CivicEvidence[]> {
  const found = await db.query<{ event_id: string; kind: CivicEvidence['kind']; amount: string; occurred_on: LocalDate }>(
    `SELECT event_id, kind, amount, occurred_on FROM civic_events WHERE person_id = $1 AND kind = $2 AND occurred_on >= $3 AND occurred_on < $4
     ORDER BY occurred_on, event_id`,
    [personId, kind, from, until],
  );
  return found.rows.map((row) => ({ eventId: row.event_id, kind: row.kind, amount: Number(row.amount), occurredOn: row.occurred_on }));
}

/** The repairs of these persons gathering civic evidence (by any route, or the one given), by id. */
export async function openCivicRepairs(db: Queryable, personIds: string[], route?: string): Promise<{ id: string; personId: string; route: string }[]> {
  const found = await db.query<{ id: string; person_id: string; route: string }>(
    `SELECT id, person_id, route FROM repairs
     WHERE person_id = ANY($1::uuid[]) AND ($2::text IS NULL OR route = $2) AND state = 'collecting' AND closed_at IS NULL ORDER BY id`,
    [personIds, route ?? null],
  );
  return found.rows.map((row) => ({ id: row.id, personId: row.person_id, route: row.route }));
}
