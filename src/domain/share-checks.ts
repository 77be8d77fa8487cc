import { sharingRefusal, type SharerKind, type Severity } from './record';
import { catalogueProblem, type CatalogueEntry } from './record-types';
import { refusesRecord } from './scope';
import type { LocalDate } from './working-days';

/** Why a record may not be shared: it does not fit the catalogue, its sharer may not share it, or it is conduct of a minor. */
export interface ShareProblem {
  kind: 'invalid' | 'forbidden' | 'out-of-scope';
  field: string;
  message: string;
}

/**
 * The checks of a share beyond its schema, in one place: the catalogue (type, category, details,
 * tier; Art. 8, 9), who may share it (Art. 8), and conduct dated before the person's 18th
 * birthday (Art. 3; identity information is taken at any age). Run where a share comes in: the
 * API's edge for a single share, the chunk for a bulk row. The activity that stores a single
 * share trusts them, and the schema the sharing workflow's validator checks again.
 */
export function shareProblem(
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  sharerKind: SharerKind,
  record: { category: string; typeCode: string; details: Record<string, unknown>; tier?: Severity | undefined; formedOn: LocalDate },
  birthDate: LocalDate,
): ShareProblem | undefined {
  const unfit = catalogueProblem(catalogue, record);
  if (unfit) return { kind: 'invalid', ...unfit };
  const unshareable = sharingRefusal(sharerKind, record.category);
  if (unshareable) return { kind: 'forbidden', field: 'category', message: unshareable };
  const beforeAdulthood = record.category === 'identity' ? undefined : refusesRecord(birthDate, record.formedOn);
  if (beforeAdulthood) return { kind: 'out-of-scope', field: 'formedOn', message: beforeAdulthood };
  return undefined;
}
