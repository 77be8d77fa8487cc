import { repairRulesSchema, type RepairRules } from '../../domain/repair';
import type { Queryable } from '../../db/pool';

/** The repair rules in force: the one active version of `repair_rules`. */
export async function activeRepairRules(db: Queryable): Promise<{ version: number; definition: RepairRules }> {
  const found = await db.query<{ version: number; definition: unknown }>(`SELECT version, definition FROM repair_rules WHERE status = 'active'`);
  const row = found.rows[0];
  if (!row) throw new Error('No active repair rules: a migration installs version 1');
  return { version: row.version, definition: repairRulesSchema.parse(row.definition) };
}
