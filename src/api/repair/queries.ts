import type pg from 'pg';
import { failureReason, shownState } from '../shared/process-failures';
import type { Evidence, Severity } from '../../domain/record';
import type { RouteTerms } from '../../domain/repair';
import type { LocalDate } from '../../domain/working-days';
import type { RepairView } from '../../workflows/repair/contract';

/** A request to supply what the completeness check found missing, as `askRepairSupplement` keeps it. */
export interface SupplementRequest {
  requestedAt: string;
  missing: string;
  /** The last day to supply it. */
  until: LocalDate;
  suppliedAt?: string;
  evidence?: Evidence[];
}

export interface RepairRow {
  repairId: string;
  personId: string;
  recordId: string;
  route: string;
  tier: string;
  terms: RouteTerms;
  deciderId: string;
  rulesVersion: number;
  commitmentVersion: string;
  state: string;
  progress: number;
  instalments: RepairView['instalments'];
  obligationUnmet: boolean;
  /** What NDRC asked the applicant to supply, each request with what was supplied for it. */
  supplements: SupplementRequest[];
  filedOn: LocalDate;
  maximumEndsOn: LocalDate | null;
  outcomeReasons: string | null;
  closedAt: string | null;
  /** Why its workflow failed, if it did (its state is then `failed`). */
  failure: string | null;
}

interface StoredRepair {
  id: string;
  person_id: string;
  record_id: string;
  route: string;
  tier: string;
  terms: RouteTerms;
  decider_id: string;
  rules_version: number;
  commitment_version: string;
  state: string;
  progress: string;
  instalments: RepairView['instalments'] | null;
  obligation_unmet: boolean;
  supplements: SupplementRequest[];
  filed_on: LocalDate;
  maximum_ends_on: LocalDate | null;
  outcome_reasons: string | null;
  closed_at: Date | null;
  failure: string | null;
}

const COLUMNS = `id, person_id, record_id, route, tier, terms, decider_id, rules_version, commitment_version,
  ${shownState("'repair/' || id", 'state', 'closed_at IS NULL')} AS state, progress, instalments, obligation_unmet, supplements, filed_on, maximum_ends_on, outcome_reasons, closed_at,
  ${failureReason("'repair/' || id")} AS failure`;

function view(row: StoredRepair): RepairRow {
  return {
    repairId: row.id,
    personId: row.person_id,
    recordId: row.record_id,
    route: row.route,
    tier: row.tier,
    terms: row.terms,
    deciderId: row.decider_id,
    rulesVersion: row.rules_version,
    commitmentVersion: row.commitment_version,
    state: row.state,
    progress: Number(row.progress),
    instalments: row.instalments ?? [],
    obligationUnmet: row.obligation_unmet,
    supplements: row.supplements,
    filedOn: row.filed_on,
    maximumEndsOn: row.maximum_ends_on,
    outcomeReasons: row.outcome_reasons,
    closedAt: row.closed_at?.toISOString() ?? null,
    failure: row.failure,
  };
}

export async function repairById(pool: pg.Pool, repairId: string): Promise<RepairRow | undefined> {
  const found = await pool.query<StoredRepair>(`SELECT ${COLUMNS} FROM repairs WHERE id = $1`, [repairId]);
  return found.rows[0] && view(found.rows[0]);
}

/** A person's repairs, the latest first. */
export async function repairsOf(pool: pg.Pool, personId: string): Promise<RepairRow[]> {
  const found = await pool.query<StoredRepair>(`SELECT ${COLUMNS} FROM repairs WHERE person_id = $1 ORDER BY committed_at DESC, id`, [personId]);
  return found.rows.map(view);
}

/** What eligibility looks at of one of a person's records, and the repair open on it if any. */
export async function repairableRecord(
  pool: pg.Pool,
  recordId: string,
): Promise<
  | { personId: string; sharerId: string; typeCode: string; status: string; formedOn: LocalDate; tier: Severity | null; details: Record<string, unknown>; keptCounting: boolean; openRepairId: string | null }
  | undefined
> {
  const found = await pool.query<{
    person_id: string; sharer_id: string; type_code: string; status: string; formed_on: LocalDate; tier: Severity | null; details: Record<string, unknown>; kept: boolean;
    open_repair: string | null;
  }>(
    `SELECT r.person_id, r.sharer_id, r.type_code, r.status, r.formed_on, r.tier, r.details, r.kept_counting_by IS NOT NULL AS kept,
            (SELECT p.id FROM repairs p WHERE p.record_id = r.id AND p.closed_at IS NULL) AS open_repair
     FROM records r WHERE r.id = $1`,
    [recordId],
  );
  const row = found.rows[0];
  return (
    row && { personId: row.person_id, sharerId: row.sharer_id, typeCode: row.type_code, status: row.status, formedOn: row.formed_on, tier: row.tier, details: row.details, keptCounting: row.kept, openRepairId: row.open_repair }
  );
}

/** Every version of the repair rules, the newest first. */
export async function repairRulesVersions(
  pool: pg.Pool,
): Promise<{ version: number; status: string; definition: unknown; description: string; createdBy: string; effectiveFrom: string; activatedAt: string }[]> {
  const found = await pool.query<{ version: number; status: string; definition: unknown; description: string; created_by: string; effective_from: string; activated_at: Date }>(
    'SELECT version, status, definition, description, created_by, effective_from, activated_at FROM repair_rules ORDER BY version DESC',
  );
  return found.rows.map((row) => ({
    version: row.version,
    status: row.status,
    definition: row.definition,
    description: row.description,
    createdBy: row.created_by,
    effectiveFrom: row.effective_from,
    activatedAt: row.activated_at.toISOString(),
  }));
}
