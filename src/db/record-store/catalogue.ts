import { z } from 'zod';
import { recordTypeSchema, type RecordType } from '../../domain/record-types';
import type { Queryable } from '../pool';

/** The record-type catalogue as Postgres holds it, by type code. */
export async function loadCatalogue(db: Queryable): Promise<Map<string, RecordType>> {
  const rows = await db.query(
    `SELECT code, category, polarity, severity, (extract(year FROM counts_for) * 12 + extract(month FROM counts_for))::int AS "countsForMonths",
            tiers, counts_from AS "countsFrom", repairable, legal_basis AS "legalBasis", description, details
     FROM record_types ORDER BY category, code`,
  );
  const types = z.array(recordTypeSchema).parse(rows.rows);
  return new Map(types.map((type) => [type.code, type]));
}
