import type pg from 'pg';
import { enqueueNotifications } from '../db/notifications';
import { standingOf, type PersonRow } from '../db/persons';
import { withTransaction } from '../db/transaction';
import type { PersonReference, SharedRecord } from '../domain/record';
import { refusesRecords } from '../domain/scope';
import { shanghaiDayOf } from '../domain/working-days';

export type SharerKind = 'agency' | 'provider';

export type ShareOutcome =
  | { status: 'accepted'; recordId: string; version: number; late: boolean; personId: string }
  | { status: 'duplicate'; recordId: string; version: number }
  | { status: 'refused'; field: string; reason: string };

export interface StoreSharedRecordInput {
  workflowId: string;
  /** Chosen by the workflow, so a retried activity recognises the record it already stored. */
  recordId: string;
  sharerId: string;
  sharerKind: SharerKind;
  record: SharedRecord;
  sharedAt: string;
  late: boolean;
}

export interface RecordChangeInput {
  changeId: string;
  workflowId: string;
  sharerId: string;
  reference: string;
  kind: 'correct' | 'revoke';
  /** The corrected fields (a correction); a revocation keeps the content. */
  correction?: Pick<SharedRecord, 'typeCode' | 'formedOn' | 'details' | 'evidence'>;
  reason: string;
  changedBy: string;
  at: string;
}

export type RecordChangeOutcome =
  | { status: 'changed'; recordId: string; version: number; recordStatus: 'active' | 'revoked'; personId: string }
  | { status: 'refused'; code: 'not-found' | 'conflict' | 'invalid'; field: string; reason: string };

const RECORD_COLUMNS =
  'id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, attestation, changed_by, change_reason, disputed_by';

/** Why a sharer of this kind may not share a record of this category, if it may not (Art. 8). */
export function sharingRefusal(kind: SharerKind, category: string): string | undefined {
  if (kind === 'provider' && category !== 'market') return 'a market provider shares market information only (Art. 8)';
  if (kind === 'agency' && category === 'market') return 'market information comes from market providers (Art. 8)';
  return undefined;
}

/** Why a type code does not fit a record of this category, if it does not: the catalogue decides (Art. 8, 9). */
export function typeRefusal(catalogueCategory: string | undefined, record: { typeCode: string; category: string }): string | undefined {
  if (catalogueCategory === undefined) return `${record.typeCode} is not in the record type catalogue`;
  if (catalogueCategory !== record.category) return `${record.typeCode} belongs to the category ${catalogueCategory}, not ${record.category}`;
  return undefined;
}

/** Registers the person on first sight (residency unconfirmed, so not in scope until confirmed). */
export async function upsertPerson(db: pg.PoolClient, person: PersonReference): Promise<PersonRow> {
  const result = await db.query<PersonRow>(
    `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date)
     VALUES (gen_random_uuid(), $1, $2, $3)
     ON CONFLICT (id_number_hash) DO UPDATE SET updated_at = persons.updated_at
     RETURNING id, birth_date, residency, residence_permit_valid_until, civil_capacity`,
    [Buffer.from(person.key, 'hex'), Buffer.from(person.sealed, 'base64'), person.birthDate],
  );
  return result.rows[0]!;
}

export interface IdentityFact {
  personId: string;
  typeCode: string;
  details: Record<string, unknown>;
}

/**
 * Identity information (Art. 9(1)) sets what scope depends on (Art. 3): a household registration
 * outranks a residence permit. Facts about one person are merged in order first, so a batch
 * holding several of them applies every one.
 */
export async function applyIdentityFacts(db: pg.PoolClient, facts: IdentityFact[]): Promise<void> {
  const merged = new Map<string, { household: boolean; permitUntil: string | null; capacity: string | null }>();
  for (const fact of facts) {
    const person = merged.get(fact.personId) ?? { household: false, permitUntil: null, capacity: null };
    if (fact.typeCode === 'household-registration') person.household = true;
    else if (fact.typeCode === 'residence-permit') person.permitUntil = String(fact.details.validUntil);
    else if (fact.typeCode === 'civil-capacity') person.capacity = String(fact.details.capacity);
    else continue;
    merged.set(fact.personId, person);
  }
  if (merged.size === 0) return;
  const people = [...merged];
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

/** Tells the person and asks for their rescoring, in the transaction that changed their records (Art. 6). */
async function announceChange(db: pg.PoolClient, key: string, personId: string, workflowId: string, kind: string, recordId: string) {
  await enqueueNotifications(db, [
    { id: `${key}/person`, recipientRole: 'person', recipientId: personId, kind, workflowId, body: { recordId } },
  ]);
  await db.query(
    `INSERT INTO rescore_requests (id, person_id, reason, requested_by, answered_by)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [`${key}/rescore`, personId, kind, workflowId, `rescore-person/${personId}`],
  );
}

/** Activities of the credit records (Art. 8-10). Every one is idempotent. */
export function createRecordActivities({ pool }: { pool: pg.Pool }) {
  return {
    async openObligation(input: { workflowId: string; sharerId: string; reference: string; formedOn: string; openedAt: string }): Promise<void> {
      await pool.query(
        `INSERT INTO obligations (workflow_id, sharer_id, reference, formed_on, state, opened_at)
         VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT (workflow_id) DO NOTHING`,
        [input.workflowId, input.sharerId, input.reference, input.formedOn, input.openedAt],
      );
    },

    async withdrawObligation(input: { workflowId: string; reason: string; at: string }): Promise<void> {
      await pool.query(
        `UPDATE obligations SET state = 'withdrawn', withdrawn_reason = $2, closed_at = $3 WHERE workflow_id = $1 AND state = 'open'`,
        [input.workflowId, input.reason, input.at],
      );
    },

    /** An obligation whose record arrived in a bulk batch: the batch stored it, the obligation closes. */
    async closeObligationShared(input: { workflowId: string; late: boolean; at: string }): Promise<void> {
      await pool.query(
        `UPDATE obligations SET state = 'shared', shared_late = $2, closed_at = $3 WHERE workflow_id = $1 AND state = 'open'`,
        [input.workflowId, input.late, input.at],
      );
    },

    /**
     * Stores a shared record, idempotent on (sharer, reference), and in the same transaction
     * registers the person if new, closes the obligation, tells the person and asks for rescoring.
     * A refusal writes nothing.
     */
    async storeSharedRecord(input: StoreSharedRecordInput): Promise<ShareOutcome> {
      return withTransaction<ShareOutcome>(pool, async (db) => {
        const { record } = input;
        const type = await db.query<{ category: string }>('SELECT category FROM record_types WHERE code = $1', [record.typeCode]);
        const unfit = typeRefusal(type.rows[0]?.category, record);
        if (unfit) return { status: 'refused', field: 'typeCode', reason: unfit };
        const refusal = sharingRefusal(input.sharerKind, record.category);
        if (refusal) return { status: 'refused', field: 'category', reason: refusal };

        const existing = await db.query<{ id: string; version: number; person_id: string }>('SELECT id, version, person_id FROM records WHERE sharer_id = $1 AND reference = $2', [
          input.sharerId,
          record.reference,
        ]);
        if (existing.rows[0]) {
          const { id, version } = existing.rows[0];
          // A retry of this very activity finds its own record: it was accepted.
          return id === input.recordId
            ? { status: 'accepted', recordId: id, version, late: input.late, personId: existing.rows[0].person_id }
            : { status: 'duplicate', recordId: id, version };
        }

        const person = await upsertPerson(db, record.person);
        if (record.category !== 'identity') {
          const refusal = refusesRecords(standingOf(person), shanghaiDayOf(new Date(input.sharedAt)));
          if (refusal) throw new Refusal('identityNumber', refusal.message);
        }
        await db.query(
          `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late,
             status, version, details, evidence, attestation, changed_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', 1, $11, $12, $13, $14)`,
          [
            input.recordId, input.sharerId, record.reference, person.id, record.category, record.typeCode,
            input.sharerKind === 'provider' ? 'market-provider' : 'public-agency', record.formedOn, input.sharedAt, input.late,
            JSON.stringify(record.details), JSON.stringify(record.evidence), record.attestation ? JSON.stringify(record.attestation) : null,
            input.workflowId,
          ],
        );
        if (record.category === 'identity') await applyIdentityFacts(db, [{ personId: person.id, typeCode: record.typeCode, details: record.details }]);
        await db.query(
          `UPDATE obligations SET state = 'shared', shared_late = $2, closed_at = $3 WHERE workflow_id = $1 AND state = 'open'`,
          [input.workflowId, input.late, input.sharedAt],
        );
        await announceChange(db, `${input.recordId}/v1`, person.id, input.workflowId, 'record-added', input.recordId);
        return { status: 'accepted', recordId: input.recordId, version: 1, late: input.late, personId: person.id };
      }).catch((error: unknown): ShareOutcome => {
        if (error instanceof Refusal) return { status: 'refused', field: error.field, reason: error.message };
        throw error;
      });
    },

    /** A correction or revocation by the sharer (Art. 8-10). */
    async changeRecord(input: RecordChangeInput): Promise<RecordChangeOutcome> {
      return withTransaction(pool, (db) => applyRecordChange(db, input));
    },
  };
}

/**
 * A correction or revocation of a record: a new version, the old one kept in record_history, the
 * person told and asked to be rescored. Used by the sharer's own change and by an objection's outcome.
 */
export async function applyRecordChange(db: pg.PoolClient, input: RecordChangeInput): Promise<RecordChangeOutcome> {
  const current = await db.query<{ id: string; version: number; status: string; person_id: string; category: string; changed_by: string }>(
    `SELECT id, version, status, person_id, category, changed_by FROM records WHERE sharer_id = $1 AND reference = $2 FOR UPDATE`,
    [input.sharerId, input.reference],
  );
  const row = current.rows[0];
  if (!row) return { status: 'refused', code: 'not-found', field: 'reference', reason: `no record ${input.reference} shared by ${input.sharerId}` };
  // A retry of this very change finds it applied (each change is its own workflow).
  if (row.changed_by === input.workflowId) {
    return { status: 'changed', recordId: row.id, version: row.version, recordStatus: row.status as 'active' | 'revoked', personId: row.person_id };
  }
  if (row.status === 'revoked') return { status: 'refused', code: 'conflict', field: 'reference', reason: `record ${input.reference} is revoked; it can no longer change` };

  if (input.correction) {
    const type = await db.query<{ category: string }>('SELECT category FROM record_types WHERE code = $1', [input.correction.typeCode]);
    if (type.rows[0]?.category !== row.category) {
      return { status: 'refused', code: 'invalid', field: 'typeCode', reason: `${input.correction.typeCode} is not a type of the category ${row.category}` };
    }
  }
  await db.query(
    `INSERT INTO record_history (${RECORD_COLUMNS}, superseded_at) SELECT ${RECORD_COLUMNS}, $2::timestamptz FROM records WHERE id = $1`,
    [row.id, input.at],
  );
  const version = row.version + 1;
  const status = input.kind === 'revoke' ? 'revoked' : 'active';
  await db.query(
    `UPDATE records SET version = $2, status = $3, changed_by = $4, change_reason = $5,
       type_code = coalesce($6, type_code), formed_on = coalesce($7::date, formed_on),
       details = coalesce($8::jsonb, details), evidence = coalesce($9::jsonb, evidence)
     WHERE id = $1`,
    [
      row.id, version, status, input.workflowId, input.reason,
      input.correction?.typeCode ?? null, input.correction?.formedOn ?? null,
      input.correction ? JSON.stringify(input.correction.details) : null,
      input.correction ? JSON.stringify(input.correction.evidence) : null,
    ],
  );
  await announceChange(db, `${row.id}/v${version}`, row.person_id, input.workflowId, input.kind === 'revoke' ? 'record-revoked' : 'record-corrected', row.id);
  return { status: 'changed', recordId: row.id, version, recordStatus: status, personId: row.person_id };
}

class Refusal extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
