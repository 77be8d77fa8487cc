import type pg from 'pg';
import { enqueueNotifications } from '../../db/notifications';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { activeRepairRules } from './store';
import { civicEventsIn } from '../../db/civic-evidence';
import { withTransaction } from '../../db/transaction';
import type { Evidence, Severity } from '../../domain/record';
import { isCivicRoute, repairEligibility, repairRulesSchema, windowEnd, type RepairRules, type RouteTerms } from '../../domain/repair';
import { shanghaiDayOf, type LocalDate } from '../../domain/working-days';
import {
  COMMITMENT_MISSING,
  REPAIR_INELIGIBLE,
  REPAIR_OPEN,
  ROUTE_NOT_OPEN,
  type CivicEvidence,
  type PublishedRepairRules,
  type RepairRulesPublication,
  type RepairInput,
  type RepairState,
  type RepairView,
} from '../../workflows/repair/contract';
import { PERSON_NOT_FOUND, RECORD_NOT_FOUND, refusal } from '../../workflows/shared/contract';
import { applyRecordChange } from '../../db/record-store/writes';
import { recordRescoreRequests } from '../../db/scores';
import type { Queryable } from '../../db/pool';

export interface FiledRepair {
  /** The agency that shared the record, which decides (whoever made the finding repairs it). */
  deciderId: string;
  terms: RouteTerms;
  filedOn: LocalDate;
  maximumEndsOn: LocalDate | null;
  clocks: RepairRules['clocks'];
  /** Civic events of the route already received that fall in its window. */
  evidence: CivicEvidence[];
}

/** The publication's version, recorded once: in force today, or scheduled for a later effective day. */
async function recordRepairRules(pool: pg.Pool, input: RepairRulesPublication & { today: LocalDate }): Promise<PublishedRepairRules> {
  return withTransaction(pool, async (db) => {
    await db.query('LOCK TABLE repair_rules IN SHARE ROW EXCLUSIVE MODE');
    const again = await db.query<{ version: number; status: 'active' | 'retired' | 'scheduled'; effective_from: LocalDate; retired: number | null }>(
      'SELECT version, status, effective_from, retired FROM repair_rules WHERE publication_id = $1',
      [input.publicationId],
    );
    const { today } = input;
    if (again.rows[0]) {
      const { version, status, effective_from: effectiveFrom, retired } = again.rows[0];
      return { version, status, effectiveFrom, retired };
    }
    const effectiveFrom = input.effectiveFrom !== undefined && input.effectiveFrom > today ? input.effectiveFrom : today;
    const scheduled = effectiveFrom > today;
    const retired = scheduled ? undefined : await db.query<{ version: number }>(`UPDATE repair_rules SET status = 'retired' WHERE status = 'active' RETURNING version`);
    const retiredVersion = retired?.rows[0]?.version ?? null;
    const published = await db.query<{ version: number }>(
      `INSERT INTO repair_rules (version, status, definition, description, created_by, publication_id, effective_from, retired)
       SELECT coalesce(max(version), 0) + 1, $5, $1, $2, $3, $4, $6, $7 FROM repair_rules RETURNING version`,
      [JSON.stringify(input.definition), input.description, input.publishedBy, input.publicationId, scheduled ? 'scheduled' : 'active', effectiveFrom, retiredVersion],
    );
    return { version: published.rows[0]!.version, status: scheduled ? 'scheduled' : 'active', effectiveFrom, retired: retiredVersion };
  });
}

/** Activities of credit repair (Art. 21). Every one is idempotent. */
export function createRepairActivities({ pool }: { pool: pg.Pool }) {
  return {
    /**
     * Files the application under the active repair rules. Refused, with nothing written: an
     * unknown person, a record not theirs, a record the rules leave unrepairable (with the rule,
     * and for time the day one may apply), a route not open to its tier, a commitment that is not
     * the current one, a second open repair of the record (named).
     */
    async fileRepair(input: RepairInput & { workflowId: string; filedAt: string }): Promise<FiledRepair> {
      return withTransaction(pool, async (db) => {
        // A retry finds the repair filed, under the rules it was filed under.
        const again = await db.query<{ decider_id: string; terms: RouteTerms; filed_on: LocalDate; maximum_ends_on: LocalDate | null; definition: unknown }>(
          'SELECT p.decider_id, p.terms, p.filed_on, p.maximum_ends_on, r.definition FROM repairs p JOIN repair_rules r ON r.version = p.rules_version WHERE p.id = $1',
          [input.repairId],
        );
        if (again.rows[0]) {
          const { decider_id, terms, filed_on: filedOn, maximum_ends_on, definition } = again.rows[0];
          const until = windowEnd(filedOn, terms);
          const evidence = until && isCivicRoute(terms.route) ? await civicEventsIn(db, input.personId, terms.route, filedOn, until) : [];
          return { deciderId: decider_id, terms, filedOn, maximumEndsOn: maximum_ends_on, clocks: repairRulesSchema.parse(definition).clocks, evidence };
        }
        const rules = await activeRepairRules(db);
        const filedOn = shanghaiDayOf(new Date(input.filedAt));
        // Locked, so a civic event fed at the same moment is either seen here or routed to this repair.
        const person = await db.query('SELECT 1 FROM persons WHERE id = $1 FOR UPDATE', [input.personId]);
        if (!person.rowCount) throw refusal(PERSON_NOT_FOUND, `No person ${input.personId}`, 'personId');
        const found = await db.query<{
          person_id: string; sharer_id: string; type_code: string; status: string; formed_on: LocalDate; tier: Severity | null; details: Record<string, unknown>; kept: boolean;
        }>(
          'SELECT person_id, sharer_id, type_code, status, formed_on, tier, details, kept_counting_by IS NOT NULL AS kept FROM records WHERE id = $1 FOR UPDATE',
          [input.recordId],
        );
        const record = found.rows[0];
        if (!record || record.person_id !== input.personId) throw refusal(RECORD_NOT_FOUND, `No record ${input.recordId} of this person`, 'recordId');
        const type = (await loadCatalogue(db)).get(record.type_code)!;
        const eligibility = repairEligibility(
          rules.definition,
          { status: record.status, formedOn: record.formed_on, tier: record.tier, details: record.details, keptCounting: record.kept, type },
          filedOn,
        );
        if (!eligibility.eligible) throw refusal(REPAIR_INELIGIBLE, `${eligibility.rule}: ${eligibility.message}`, 'recordId');
        const terms = eligibility.routes.find((route) => route.route === input.route);
        if (!terms) {
          throw refusal(ROUTE_NOT_OPEN, `A ${eligibility.tier} record may be repaired by ${eligibility.routes.map((r) => r.route).join(', ')}, not ${input.route}`, 'route');
        }
        if (input.commitmentVersion !== rules.definition.commitment.version) {
          throw refusal(COMMITMENT_MISSING, `Sign the current credit commitment, version ${rules.definition.commitment.version}`, 'commitmentVersion');
        }
        const open = await db.query<{ id: string }>('SELECT id FROM repairs WHERE record_id = $1 AND closed_at IS NULL', [input.recordId]);
        if (open.rows[0]) throw refusal(REPAIR_OPEN, `The record already has an open repair: ${open.rows[0].id}`, 'recordId');
        await db.query(
          `INSERT INTO repairs (id, person_id, record_id, rules_version, tier, route, terms, decider_id, maximum_ends_on, commitment_version,
             committed_at, filed_by, filed_on, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'collecting')`,
          [
            input.repairId, input.personId, input.recordId, rules.version, eligibility.tier, input.route, JSON.stringify(terms), record.sharer_id,
            eligibility.maximumEndsOn, input.commitmentVersion, input.filedAt, input.filedBy, filedOn,
          ],
        );
        const until = windowEnd(filedOn, terms);
        const evidence = until && isCivicRoute(terms.route) ? await civicEventsIn(db, input.personId, terms.route, filedOn, until) : [];
        return { deciderId: record.sharer_id, terms, filedOn, maximumEndsOn: eligibility.maximumEndsOn, clocks: rules.definition.clocks, evidence };
      });
    },

    /** Keeps the repair's row in step with its workflow, for the applicant's progress page. */
    async recordRepairProgress(input: { repairId: string; view: Pick<RepairView, 'state' | 'instalments'>; obligationUnmet: boolean }): Promise<void> {
      await pool.query('UPDATE repairs SET state = $2, instalments = $3, obligation_unmet = $4 WHERE id = $1 AND closed_at IS NULL', [
        input.repairId,
        input.view.state,
        JSON.stringify(input.view.instalments),
        input.obligationUnmet,
      ]);
    },

    /**
     * NDRC found the application incomplete: the applicant is asked for what is missing, by a day.
     * Request `n` (1, 2, ...) is kept once in the repair's `supplements`, and told to the applicant once.
     */
    async askRepairSupplement(input: { repairId: string; workflowId: string; request: number; missing: string; until: LocalDate; at: string }): Promise<void> {
      await withTransaction(pool, async (db) => {
        const found = await db.query<{ person_id: string }>(
          `UPDATE repairs SET state = 'supplementing',
             supplements = CASE WHEN jsonb_array_length(supplements) < $2 THEN supplements || jsonb_build_array(jsonb_build_object('requestedAt', $3::text, 'missing', $4::text, 'until', $5::text)) ELSE supplements END
           WHERE id = $1 AND closed_at IS NULL RETURNING person_id`,
          [input.repairId, input.request, input.at, input.missing, input.until],
        );
        const row = found.rows[0];
        if (!row) return;
        await enqueueNotifications(db, [
          {
            id: `${input.workflowId}/supplement/${input.request}`,
            recipientRole: 'person',
            recipientId: row.person_id,
            kind: 'repair-supplement-requested',
            workflowId: input.workflowId,
            body: { repairId: input.repairId, until: input.until },
          },
        ]);
      });
    },

    /** The applicant supplied what was missing: kept with the request it answers; the application is checked again. */
    async recordRepairSupplement(input: { repairId: string; request: number; evidence: Evidence[]; at: string }): Promise<void> {
      await pool.query(
        `UPDATE repairs SET state = 'checking',
           supplements = jsonb_set(supplements, ARRAY[($2::int - 1)::text], (supplements -> ($2::int - 1)) || jsonb_build_object('suppliedAt', $3::text, 'evidence', $4::jsonb))
         WHERE id = $1 AND closed_at IS NULL`,
        [input.repairId, input.request, input.at, JSON.stringify(input.evidence)],
      );
    },

    /** Counts a civic event toward a repair, once whatever the feed replays; returns the progress so far. */
    async countCivicEvidence(input: { repairId: string; evidence: CivicEvidence; at: string }): Promise<number> {
      return withTransaction(pool, async (db) => {
        await db.query(
          'INSERT INTO repair_evidence (repair_id, event_id, amount, counted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [input.repairId, input.evidence.eventId, input.evidence.amount, input.at],
        );
        const total = await db.query<{ progress: string }>(
          `UPDATE repairs SET progress = (SELECT coalesce(sum(amount), 0) FROM repair_evidence WHERE repair_id = $1) WHERE id = $1 RETURNING progress`,
          [input.repairId],
        );
        return Number(total.rows[0]!.progress);
      });
    },

    /**
     * The agency approves (Order 36): the record becomes repaired, a new version that stops
     * counting from the decision in every scenario and stays for audit; the applicant is told.
     * Returns the person to rescore.
     */
    async approveRepair(input: { repairId: string; workflowId: string; reasons: string; decidedBy: string; at: string }): Promise<{ personId: string; state: RepairState }> {
      return withTransaction(pool, async (db) => {
        const found = await db.query<{ person_id: string; closed_at: Date | null; sharer_id: string; reference: string }>(
          `SELECT p.person_id, p.closed_at, r.sharer_id, r.reference FROM repairs p JOIN records r ON r.id = p.record_id WHERE p.id = $1 FOR UPDATE OF p`,
          [input.repairId],
        );
        const repair = found.rows[0]!;
        if (repair.closed_at) {
          const state = await db.query<{ state: RepairState }>('SELECT state FROM repairs WHERE id = $1', [input.repairId]);
          return { personId: repair.person_id, state: state.rows[0]!.state };
        }
        const changed = await applyRecordChange(db, {
          workflowId: input.workflowId,
          sharerId: repair.sharer_id,
          reference: repair.reference,
          kind: 'repair',
          reason: `Art. 21 repair ${input.repairId}: ${input.reasons}`,
          changedBy: input.decidedBy,
          at: input.at,
        });
        // Revoked meanwhile (its sharer withdrew it, or an objection removed it): nothing left to repair.
        if (changed.status === 'refused') {
          await closeRow(db, { ...input, state: 'moot', reasons: `${input.reasons} (not applied: ${changed.reason})` });
          return { personId: repair.person_id, state: 'moot' };
        }
        await closeRow(db, { ...input, state: 'approved' });
        return { personId: repair.person_id, state: 'approved' };
      });
    },

    /** Puts the published rules in force as the next version and retires the one before; a retry finds its version. Kept for histories of 0.2.0. */
    async publishRepairRules(input: RepairRulesPublication): Promise<{ version: number; retired: number | null }> {
      const published = await recordRepairRules(pool, { ...input, effectiveFrom: undefined, today: shanghaiDayOf(new Date()) });
      return { version: published.version, retired: published.retired };
    },

    /**
     * Records the published rules as the next version: in force at once, retiring the version in
     * force, when their effective day is today (or none is given); else scheduled for that day.
     * A retry finds its version.
     */
    async recordRepairRules(input: RepairRulesPublication & { today: LocalDate }): Promise<PublishedRepairRules> {
      return recordRepairRules(pool, input);
    },

    /**
     * Puts a scheduled version in force on its effective day and retires the one in force, unless
     * a version published after it is in force already (the later publication wins, whatever the
     * days): then it is retired without coming into force. A retry finds it done.
     */
    async bringRepairRulesIntoForce(input: { version: number }): Promise<PublishedRepairRules> {
      return withTransaction(pool, async (db) => {
        await db.query('LOCK TABLE repair_rules IN SHARE ROW EXCLUSIVE MODE');
        const found = await db.query<{ status: 'active' | 'retired' | 'scheduled'; effective_from: LocalDate; retired: number | null; later_active: boolean }>(
          `SELECT status, effective_from, retired, EXISTS (SELECT 1 FROM repair_rules a WHERE a.status = 'active' AND a.version > p.version) AS later_active
           FROM repair_rules p WHERE version = $1`,
          [input.version],
        );
        const row = found.rows[0]!;
        if (row.status !== 'scheduled') return { version: input.version, status: row.status, effectiveFrom: row.effective_from, retired: row.retired };
        if (row.later_active) {
          await db.query(`UPDATE repair_rules SET status = 'retired' WHERE version = $1`, [input.version]);
          return { version: input.version, status: 'retired', effectiveFrom: row.effective_from, retired: null };
        }
        const retired = await db.query<{ version: number }>(`UPDATE repair_rules SET status = 'retired' WHERE status = 'active' RETURNING version`);
        const retiredVersion = retired.rows[0]?.version ?? null;
        await db.query(`UPDATE repair_rules SET status = 'active', activated_at = now(), retired = $2 WHERE version = $1`, [input.version, retiredVersion]);
        return { version: input.version, status: 'active', effectiveFrom: row.effective_from, retired: retiredVersion };
      });
    },

    /** Closes a repair without repairing the record: rejected, withdrawn, expired or moot, with the reasons told to the applicant. */
    /**
     * Closes the repair. With `keepsCounting` (the agency's sector rules keep a record whose
     * maximum period ended with its obligation unmet, Order 36) the record counts on until it is
     * revoked or repaired, and the person is rescored.
     */
    async closeRepair(input: {
      repairId: string; workflowId: string; state: Exclude<RepairState, 'approved' | 'refused' | 'collecting' | 'checking' | 'supplementing' | 'deciding'>;
      reasons: string; decidedBy: string | null; at: string; keepsCounting?: boolean;
    }): Promise<void> {
      await withTransaction(pool, async (db) => {
        await closeRow(db, input);
        if (!input.keepsCounting) return;
        const kept = await db.query<{ person_id: string }>(
          `UPDATE records r SET kept_counting_by = $2 FROM repairs p WHERE p.id = $1 AND r.id = p.record_id AND r.status = 'active' AND r.kept_counting_by IS NULL RETURNING r.person_id`,
          [input.repairId, input.workflowId],
        );
        const person = kept.rows[0]?.person_id;
        if (person) await recordRescoreRequests(db, [{ id: `${input.workflowId}/kept/rescore`, personId: person, reason: 'record-kept-counting', requestedBy: input.workflowId }]);
      });
    },
  };
}

async function closeRow(db: Queryable, input: { repairId: string; workflowId: string; state: RepairState; reasons: string; decidedBy: string | null; at: string }): Promise<void> {
  const closed = await db.query<{ person_id: string }>(
    `UPDATE repairs SET state = $2, outcome_reasons = $3, decided_by = $4, closed_at = $5 WHERE id = $1 AND closed_at IS NULL RETURNING person_id`,
    [input.repairId, input.state, input.reasons, input.decidedBy, input.at],
  );
  const row = closed.rows[0];
  if (!row) return;
  await enqueueNotifications(db, [
    {
      id: `${input.workflowId}/closed`,
      recipientRole: 'person',
      recipientId: row.person_id,
      kind: `repair-${input.state}`,
      workflowId: input.workflowId,
      body: { repairId: input.repairId, state: input.state, reasons: input.reasons },
    },
  ]);
}

export type RepairActivities = ReturnType<typeof createRepairActivities>;
