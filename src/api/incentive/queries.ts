import type pg from 'pg';
import type { ParsedVersions } from '../shared/parsed-versions';
import type { IncentiveDefinition, IncentiveFacts } from '../../domain/incentive';
import type { Severity } from '../../domain/record';
import type { LocalDate } from '../../domain/working-days';

export interface IncentiveRow {
  incentiveId: string;
  version: number;
  ownerAgency: string;
  definition: IncentiveDefinition;
}

/** The incentives in force, or one of them. */
export async function activeIncentives(pool: pg.Pool, definitions: ParsedVersions<IncentiveDefinition>, incentiveId?: string): Promise<IncentiveRow[]> {
  const found = await pool.query<{ id: string; version: number; owner_agency: string; definition_id: string; definition: unknown }>(
    `SELECT id, version, owner_agency, definition_id, definition FROM incentives WHERE status = 'active' AND ($1::text IS NULL OR id = $1) ORDER BY id`,
    [incentiveId ?? null],
  );
  return found.rows.map((row) => ({ incentiveId: row.id, version: row.version, ownerAgency: row.owner_agency, definition: definitions.of(row.definition_id, row.definition) }));
}

/** What an eligibility check is checked against and, once it is allowed, what the rule looks at. */
export interface EligibilityFacts {
  /** The kind the asking agency is registered as, or null. */
  agencyKind: string | null;
  incentive?: IncentiveRow;
  /** The person the identity number names, if the platform knows them. */
  person?: { personId: string; agreed: boolean };
  /** Read only for the incentive of the registered agency asking and a person whose agreement is in force: current levels and the records that count, nothing shown. */
  facts?: IncentiveFacts;
}

/**
 * An incentive check's lookups and read in one prepared statement (Art. 7, 12, 16, 17): the
 * person's levels and records are read inside it only when the incentive is the asking agency's
 * and the person's agreement is in force.
 */
export async function eligibilityFacts(pool: pg.Pool, definitions: ParsedVersions<IncentiveDefinition>, check: { agencyId: string; incentiveId: string; lookupKey: string | null }): Promise<EligibilityFacts> {
  const found = await pool.query<{
    agency_kind: string | null; version: number | null; owner_agency: string | null; definition_id: string | null; definition: unknown;
    person_id: string | null; agreed: boolean | null;
    levels: { scenario: string; level: string; order: string[] }[] | null;
    records: { polarity: string; severity: Severity | null; category: string; formedOn: LocalDate; countsUntil: LocalDate | null }[] | null;
  }>({
    name: 'eligibility-facts',
    text: `SELECT a.kind AS agency_kind, i.version, i.owner_agency, i.definition_id, i.definition, p.id AS person_id, g.agreed,
              CASE WHEN g.agreed AND i.owner_agency = $1 AND a.kind = 'agency' THEN (
                SELECT coalesce(json_agg(json_build_object('scenario', s.scenario, 'level', s.level,
                         'order', (SELECT json_agg(l->>'level') FROM jsonb_array_elements(m.definition->'levels') l))), '[]')
                FROM scores s JOIN score_models m ON m.id = s.model_id WHERE s.person_id = p.id) END AS levels,
              CASE WHEN g.agreed AND i.owner_agency = $1 AND a.kind = 'agency' THEN (
                -- Art. 12, 16: only what counts in the person's score under their base model: public
                -- information of a type the model scores, active (not repaired, not revoked), conduct
                -- of an adult, with the day its counting period ends (the rule checks it against its day).
                SELECT coalesce(json_agg(json_build_object('polarity', t.polarity, 'severity', coalesce(r.tier, t.severity), 'category', r.category, 'formedOn', r.formed_on,
                         'countsUntil', counting_ends_on(r.formed_on, r.details, t.counts_from, make_interval(months => CASE WHEN m.definition->'rules'->r.type_code ? 'countsForMonths'
                           THEN (m.definition->'rules'->r.type_code->>'countsForMonths')::int
                           WHEN t.severity IS NOT NULL THEN (t.tiers->>coalesce(r.tier, t.severity))::int
                           ELSE (extract(year FROM t.counts_for) * 12 + extract(month FROM t.counts_for))::int END),
                           r.kept_counting_by IS NOT NULL))), '[]')
                FROM scores s JOIN score_models m ON m.id = s.model_id
                JOIN records r ON r.person_id = s.person_id AND r.status = 'active' AND r.source <> 'market-provider' AND m.definition->'rules' ? r.type_code
                -- A negative record of a tier its type no longer allows counts in no score (as in src/db/scores.ts).
                JOIN record_types t ON t.code = r.type_code AND t.category <> 'market' AND (t.severity IS NULL OR t.tiers ? coalesce(r.tier, t.severity))
                WHERE s.person_id = p.id AND s.scenario = 'base' AND r.formed_on >= (p.birth_date + interval '18 years')::date) END AS records
       FROM (SELECT 1) AS one
       LEFT JOIN agencies a ON a.id = $1
       LEFT JOIN incentives i ON i.id = $2 AND i.status = 'active'
       LEFT JOIN persons p ON p.id_number_hash = $3
       LEFT JOIN LATERAL (SELECT agreement_in_force(p.id) AS agreed) g ON p.id IS NOT NULL`,
    values: [check.agencyId, check.incentiveId, check.lookupKey === null ? null : Buffer.from(check.lookupKey, 'hex')],
  });
  const row = found.rows[0]!;
  return {
    agencyKind: row.agency_kind,
    ...(row.definition_id
      ? { incentive: { incentiveId: check.incentiveId, version: row.version!, ownerAgency: row.owner_agency!, definition: definitions.of(row.definition_id, row.definition) } }
      : {}),
    ...(row.person_id ? { person: { personId: row.person_id, agreed: row.agreed! } } : {}),
    ...(row.levels && row.records
      ? { facts: { levels: new Map(row.levels.map((l) => [l.scenario, { level: l.level, order: l.order }])), records: row.records } }
      : {}),
  };
}
