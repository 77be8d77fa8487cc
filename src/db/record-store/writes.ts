import type pg from 'pg';
import { enqueueNotifications } from '../notifications';
import type { PersonRow } from '../persons';
import { loadCatalogue } from './catalogue';
import type { SealedPerson, RecordChange, RecordChangeOutcome, RecordStatus, Severity } from '../../domain/record';
import { catalogueProblem, recordTier } from '../../domain/record-types';
import { mergeIdentityFacts, type IdentityFact } from '../../domain/scope';
import { recordRescoreRequests } from '../scores';
import type { Queryable } from '../pool';

/** Every column of a record, in the order record_history shares with records. */
const RECORD_COLUMNS =
  'id, sharer_id, reference, person_id, category, type_code, tier, source, formed_on, shared_at, shared_late, status, version, details, evidence, attestation, changed_by, change_reason, disputed_by';

/** Registers the person on first sight (residency unconfirmed, so not in scope until confirmed). */
export async function upsertPerson(db: Queryable, person: SealedPerson): Promise<PersonRow> {
  const result = await db.query<PersonRow>(
    `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
     VALUES (gen_random_uuid(), $1, $2, $3)
     ON CONFLICT (id_number_hash) DO UPDATE SET updated_at = persons.updated_at
     RETURNING id, birth_date, residency, residence_permit_valid_until, civil_capacity`,
    [Buffer.from(person.key, 'hex'), Buffer.from(person.sealed, 'base64'), person.birthDate],
  );
  return result.rows[0]!;
}

/** Registers many persons on first sight at once, as upsertPerson does one, and locks their rows: their platform ids by keyed hash (hex). */
export async function upsertPersons(db: Queryable, persons: SealedPerson[]): Promise<Map<string, string>> {
  // In the order of their keys: concurrent batches lock the rows they meet in the same order, and never deadlock.
  const distinct = [...new Map(persons.map((person) => [person.key, person])).values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (distinct.length === 0) return new Map();
  const result = await db.query<{ id: string; key: string }>(
    `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
     SELECT gen_random_uuid(), h, e, b FROM unnest($1::bytea[], $2::bytea[], $3::date[]) AS u (h, e, b)
     ON CONFLICT (id_number_hash) DO UPDATE SET updated_at = persons.updated_at
     RETURNING id, encode(id_number_hash, 'hex') AS key`,
    [distinct.map((p) => Buffer.from(p.key, 'hex')), distinct.map((p) => Buffer.from(p.sealed, 'base64')), distinct.map((p) => p.birthDate)],
  );
  return new Map(result.rows.map((row) => [row.key, row.id]));
}

/**
 * Identity information (Art. 9(1)) sets what scope depends on (Art. 3): a household registration
 * outranks a residence permit, here and against what is stored.
 */
export async function applyIdentityFacts(db: Queryable, facts: IdentityFact[]): Promise<void> {
  const people = [...mergeIdentityFacts(facts)];
  if (people.length === 0) return;
  await db.query(
    `UPDATE persons p SET
       residency = CASE WHEN f.household THEN 'household'
                        WHEN f.permit_until IS NOT NULL AND p.residency IS DISTINCT FROM 'household' THEN 'residence-permit'
                        ELSE p.residency END,
       residence_permit_valid_until = CASE WHEN f.household THEN NULL
                        WHEN f.permit_until IS NOT NULL AND p.residency IS DISTINCT FROM 'household' THEN f.permit_until
                        ELSE p.residence_permit_valid_until END,
       civil_capacity = coalesce(f.capacity, p.civil_capacity),
       updated_at = now()
     FROM unnest($1::uuid[], $2::boolean[], $3::date[], $4::text[]) AS f (person_id, household, permit_until, capacity)
     WHERE p.id = f.person_id`,
    [people.map(([id]) => id), people.map(([, f]) => f.household), people.map(([, f]) => f.permitUntil), people.map(([, f]) => f.capacity)],
  );
}

/**
 * Art. 3: scope follows the facts. Once an identity record is revoked or corrected (by its sharer
 * or an objection's outcome), the person's residency and capacity are stated again from their
 * identity records still active: a household registration outranks a residence permit (the
 * latest validity of those active); with neither left, a person whose residency agencies did
 * state is `non-local`; capacity is that of the latest civil-capacity record shared and active,
 * unconfirmed with none. A column no identity record ever stated is left as it is.
 */
export async function restateIdentity(db: Queryable, personId: string): Promise<void> {
  await db.query(
    `WITH facts AS (
       SELECT bool_or(type_code IN ('household-registration', 'residence-permit')) AS residency_stated,
              bool_or(type_code = 'household-registration' AND status = 'active') AS household,
              max((details->>'validUntil')::date) FILTER (WHERE type_code = 'residence-permit' AND status = 'active') AS permit_until,
              bool_or(type_code = 'civil-capacity') AS capacity_stated,
              (array_agg(details->>'capacity' ORDER BY shared_at DESC, id) FILTER (WHERE type_code = 'civil-capacity' AND status = 'active'))[1] AS capacity
       FROM records WHERE person_id = $1 AND category = 'identity'
     )
     UPDATE persons p SET
       residency = CASE WHEN NOT coalesce(f.residency_stated, false) THEN p.residency
                        WHEN f.household THEN 'household' WHEN f.permit_until IS NOT NULL THEN 'residence-permit' ELSE 'non-local' END,
       residence_permit_valid_until = CASE WHEN NOT coalesce(f.residency_stated, false) THEN p.residence_permit_valid_until
                        WHEN f.household THEN NULL ELSE f.permit_until END,
       civil_capacity = CASE WHEN coalesce(f.capacity_stated, false) THEN f.capacity ELSE p.civil_capacity END,
       updated_at = now()
     FROM facts f WHERE p.id = $1`,
    [personId],
  );
}

/** The obligation (Art. 10) of a workflow closes as shared, late or not; an obligation closed before stays as it is. */
export async function closeObligationShared(db: Queryable, workflowId: string, late: boolean, at: string): Promise<void> {
  await db.query(`UPDATE obligations SET state = 'shared', shared_late = $2, closed_at = $3 WHERE workflow_id = $1 AND state = 'open'`, [
    workflowId,
    late,
    at,
  ]);
}

/** Tells the person and asks for their rescoring, in the transaction that changed their records (Art. 6). */
export async function announceRecordChange(
  db: Queryable,
  change: { key: string; personId: string; workflowId: string; kind: string; recordId: string; rescoredBy?: string },
): Promise<void> {
  await enqueueNotifications(db, [
    { id: `${change.key}/person`, recipientRole: 'person', recipientId: change.personId, kind: change.kind, workflowId: change.workflowId, body: { recordId: change.recordId } },
  ]);
  await recordRescoreRequests(db, [
    { id: `${change.key}/rescore`, personId: change.personId, reason: change.kind, requestedBy: change.workflowId, ...(change.rescoredBy ? { answeredBy: change.rescoredBy } : {}) },
  ]);
}

/** The first version of a record, as each way in gives it: a share, a verified declaration, a civic event. */
export interface NewRecord {
  id: string;
  sharerId: string;
  reference: string;
  personId: string;
  category: string;
  typeCode: string;
  /** A negative record's tier (recordTier); other information has none. */
  tier?: Severity | null;
  source: 'public-agency' | 'market-provider' | 'self-declared';
  formedOn: string;
  sharedAt: string;
  late: boolean;
  details: Record<string, unknown>;
  evidence: unknown[];
  attestation?: unknown;
  /** The workflow that stored it, or the obligation's id when a share on time needed none. */
  changedBy: string;
  changeReason?: string;
  /** Who answers its rescoring request: the person's `rescore-person` workflow unless named. */
  rescoredBy?: string;
}

/** Stores a record's first version and announces it: the person told and asked to be rescored (Art. 6). */
export async function insertRecord(db: Queryable, record: NewRecord): Promise<void> {
  await db.query(
    `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late,
       status, version, details, evidence, attestation, changed_by, change_reason, tier)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', 1, $11, $12, $13, $14, $15, $16)`,
    [
      record.id, record.sharerId, record.reference, record.personId, record.category, record.typeCode, record.source, record.formedOn,
      record.sharedAt, record.late, JSON.stringify(record.details), JSON.stringify(record.evidence),
      record.attestation ? JSON.stringify(record.attestation) : null, record.changedBy, record.changeReason ?? null, record.tier ?? null,
    ],
  );
  await announceRecordChange(db, {
    key: `${record.id}/v1`,
    personId: record.personId,
    workflowId: record.changedBy,
    kind: 'record-added',
    recordId: record.id,
    ...(record.rescoredBy ? { rescoredBy: record.rescoredBy } : {}),
  });
}

/**
 * Many first versions at once (a batch of the civilised-behaviour feed), in one statement, public
 * information without attestation. Unlike insertRecord it announces nothing: the batch tells each person once and rescores them together,
 * as bulk intake does.
 */
export async function insertRecords(db: Queryable, records: NewRecord[]): Promise<void> {
  if (records.length === 0) return;
  const column = <T>(pick: (record: NewRecord) => T) => records.map(pick);
  await db.query(
    `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late,
       status, version, details, evidence, changed_by, change_reason, tier)
     SELECT id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late,
       'active', 1, details, evidence, changed_by, change_reason, tier
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::date[], $9::timestamptz[], $10::boolean[],
                 $11::jsonb[], $12::jsonb[], $13::text[], $14::text[], $15::text[])
       AS r (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, details, evidence, changed_by, change_reason, tier)`,
    [
      column((r) => r.id), column((r) => r.sharerId), column((r) => r.reference), column((r) => r.personId), column((r) => r.category),
      column((r) => r.typeCode), column((r) => r.source), column((r) => r.formedOn), column((r) => r.sharedAt), column((r) => r.late),
      column((r) => JSON.stringify(r.details)), column((r) => JSON.stringify(r.evidence)), column((r) => r.changedBy),
      column((r) => r.changeReason ?? null), column((r) => r.tier ?? null),
    ],
  );
}

/**
 * A correction or revocation of a record: a new version, the old one kept in record_history, the
 * person told and asked to be rescored. Used by the sharer's own change and by an objection's
 * outcome, each its own workflow, whose id marks the version it wrote (a retry finds it applied).
 */
export async function applyRecordChange(db: pg.PoolClient, change: RecordChange & { workflowId: string; at: string }): Promise<RecordChangeOutcome> {
  const current = await db.query<{ id: string; version: number; status: string; person_id: string; category: string; tier: Severity | null; changed_by: string }>(
    `SELECT id, version, status, person_id, category, tier, changed_by FROM records WHERE sharer_id = $1 AND reference = $2 FOR UPDATE`,
    [change.sharerId, change.reference],
  );
  const row = current.rows[0];
  if (!row) return { status: 'refused', code: 'not-found', field: 'reference', reason: `no record ${change.reference} shared by ${change.sharerId}` };
  if (row.changed_by === change.workflowId) {
    return { status: 'changed', recordId: row.id, version: row.version, recordStatus: row.status as RecordStatus, personId: row.person_id };
  }
  if (row.status === 'revoked') return { status: 'refused', code: 'conflict', field: 'reference', reason: `record ${change.reference} is revoked; it can no longer change` };
  // A repaired record may still be revoked (its finding annulled), but no longer corrected or repaired again.
  if (row.status === 'repaired' && change.kind !== 'revoke') {
    return { status: 'refused', code: 'conflict', field: 'reference', reason: `record ${change.reference} is repaired; it can only be revoked` };
  }

  let tier: Severity | null = null;
  if (change.correction) {
    const catalogue = await loadCatalogue(db);
    const unfit = catalogueProblem(catalogue, { ...change.correction, category: row.category });
    if (unfit) return { status: 'refused', code: 'invalid', field: unfit.field, reason: unfit.message };
    // A correction that names no tier keeps the record's, where its (corrected) type allows it;
    // otherwise the corrected content is classified as a share of it would be.
    const type = catalogue.get(change.correction.typeCode)!;
    const kept = change.correction.tier === undefined && row.tier !== null && type.tiers[row.tier] !== undefined ? row.tier : undefined;
    tier = recordTier(type, { ...change.correction, tier: change.correction.tier ?? kept });
  }
  await db.query(
    `INSERT INTO record_history (${RECORD_COLUMNS}, superseded_at) SELECT ${RECORD_COLUMNS}, $2::timestamptz FROM records WHERE id = $1`,
    [row.id, change.at],
  );
  const version = row.version + 1;
  const status: RecordStatus = change.kind === 'revoke' ? 'revoked' : change.kind === 'repair' ? 'repaired' : 'active';
  await db.query(
    `UPDATE records SET version = $2, status = $3, changed_by = $4, change_reason = $5,
       type_code = coalesce($6, type_code), formed_on = coalesce($7::date, formed_on),
       details = coalesce($8::jsonb, details), evidence = coalesce($9::jsonb, evidence), tier = CASE WHEN $10 THEN $11 ELSE tier END
     WHERE id = $1`,
    [
      row.id, version, status, change.workflowId, change.reason,
      change.correction?.typeCode ?? null, change.correction?.formedOn ?? null,
      change.correction ? JSON.stringify(change.correction.details) : null,
      change.correction ? JSON.stringify(change.correction.evidence) : null, change.correction !== undefined, tier,
    ],
  );
  if (row.category === 'identity') await restateIdentity(db, row.person_id);
  await announceRecordChange(db, {
    key: `${row.id}/v${version}`,
    personId: row.person_id,
    workflowId: change.workflowId,
    kind: `record-${status === 'active' ? 'corrected' : status}`,
    recordId: row.id,
  });
  return { status: 'changed', recordId: row.id, version, recordStatus: status, personId: row.person_id };
}
