import type pg from 'pg';
import { incentiveDefinitionSchema, type IncentiveDefinition, type IncentiveFacts } from '../../domain/incentive';
import type { Severity } from '../../domain/record';
import type { LocalDate } from '../../domain/working-days';

export interface IncentiveRow {
  incentiveId: string;
  version: number;
  ownerAgency: string;
  definition: IncentiveDefinition;
}

/** The incentives in force, or one of them. */
export async function activeIncentives(pool: pg.Pool, incentiveId?: string): Promise<IncentiveRow[]> {
  const found = await pool.query<{ id: string; version: number; owner_agency: string; definition: unknown }>(
    `SELECT id, version, owner_agency, definition FROM incentives WHERE status = 'active' AND ($1::text IS NULL OR id = $1) ORDER BY id`,
    [incentiveId ?? null],
  );
  return found.rows.map((row) => ({ incentiveId: row.id, version: row.version, ownerAgency: row.owner_agency, definition: incentiveDefinitionSchema.parse(row.definition) }));
}

/** What an incentive's rule looks at of a person: current levels and counting records, nothing shown. */
export async function incentiveFacts(pool: pg.Pool, personId: string): Promise<IncentiveFacts> {
  const [levels, records] = await Promise.all([
    pool.query<{ scenario: string; level: string; levels: { level: string }[] }>(
      `SELECT s.scenario, s.level, m.definition->'levels' AS levels FROM scores s JOIN score_models m ON m.id = s.model_id WHERE s.person_id = $1`,
      [personId],
    ),
    pool.query<{ polarity: string; severity: Severity | null; category: string; formed_on: LocalDate }>(
      `SELECT t.polarity, t.severity, r.category, r.formed_on FROM records r JOIN record_types t ON t.code = r.type_code WHERE r.person_id = $1 AND r.status = 'active'`,
      [personId],
    ),
  ]);
  return {
    levels: new Map(levels.rows.map((row) => [row.scenario, { level: row.level, order: row.levels.map((l) => l.level) }])),
    records: records.rows.map((row) => ({ polarity: row.polarity, severity: row.severity, category: row.category, formedOn: row.formed_on })),
  };
}
