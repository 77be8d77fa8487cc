import type { Severity, SharedRecord } from '../../domain/record';
import type { Queryable } from '../pool';

export interface SharedBefore {
  id: string;
  version: number;
  personId: string;
  /** Whether a version of it holds exactly this content: the same share sent again. */
  sameContent: boolean;
}

/**
 * The record a sharer shared before under a reference, if any, and whether the content now sent
 * is one of its versions (the same person, category, type, tier, day, details, evidence and
 * attestation; JSON compared as values, whatever the order of keys). The tier is the one the
 * content gets (recordTier), whether the sender named it or not. A reference names one
 * record: sent again with the same content it is a duplicate, with other content a conflict.
 */
export async function sharedBefore(db: Queryable, sharerId: string, record: SharedRecord, tier: Severity | null): Promise<SharedBefore | undefined> {
  const found = await db.query<{ id: string; version: number; person_id: string; same_content: boolean }>(
    `SELECT r.id, r.version, r.person_id, EXISTS (
       SELECT 1 FROM (
         SELECT person_id, category, type_code, tier, formed_on, details, evidence, attestation FROM records WHERE id = r.id
         UNION ALL
         SELECT person_id, category, type_code, tier, formed_on, details, evidence, attestation FROM record_history WHERE id = r.id
       ) v JOIN persons p ON p.id = v.person_id
       WHERE p.id_number_hash = $3 AND v.category = $4 AND v.type_code = $5 AND v.formed_on = $6
         AND v.details = $7::jsonb AND v.evidence = $8::jsonb AND v.attestation IS NOT DISTINCT FROM $9::jsonb
         -- A version stored by an older release, without a tier, had its type's default.
         AND coalesce(v.tier, (SELECT severity FROM record_types WHERE code = v.type_code)) IS NOT DISTINCT FROM $10
     ) AS same_content
     FROM records r WHERE r.sharer_id = $1 AND r.reference = $2`,
    [
      sharerId, record.reference, Buffer.from(record.person.key, 'hex'), record.category, record.typeCode, record.formedOn,
      JSON.stringify(record.details), JSON.stringify(record.evidence), record.attestation ? JSON.stringify(record.attestation) : null, tier,
    ],
  );
  const row = found.rows[0];
  return row && { id: row.id, version: row.version, personId: row.person_id, sameContent: row.same_content };
}

/**
 * The agency that shared one of a person's records: the one that verifies an objection to it and
 * decides its repair, named in the process's summary. Undefined when the record is not the person's.
 */
export async function sharerOfRecord(db: Queryable, recordId: string, personId: string): Promise<string | undefined> {
  const found = await db.query<{ sharer_id: string }>('SELECT sharer_id FROM records WHERE id = $1 AND person_id = $2', [recordId, personId]);
  return found.rows[0]?.sharer_id;
}
