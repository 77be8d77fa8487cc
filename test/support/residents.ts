import { shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from './identities';
import type { RunningPlatform } from './platform';

export interface ResidentOptions {
  /** With the sequence, the person's identity number: a sequence of its own gives each test a person of its own. */
  birthDate: string;
  sequence: number;
  /**
   * The references of the two records, `HUKOU-{sequence}` and `CAPACITY-{sequence}` unless given:
   * unique across the test files, as the workflow ids `record-sharing/{sharer}/{reference}` on the one dev server must be.
   */
  references?: { hukou: string; capacity: string };
  /** Signs the agreement (Art. 7), without which no score is shown; `false` where the test is about the agreement or signs it later. */
  agree?: boolean;
}

export interface Resident {
  identity: string;
  personId: string;
  /** The person's own token, authenticated by real name. */
  token: string;
}

/**
 * A resident in scope (Art. 3): the sharer (the police, in all but the browser's test) confirms their
 * household registration and full civil capacity, which is how the platform comes to know them.
 */
export async function residentInScope(platform: RunningPlatform, sharer: string, options: ResidentOptions): Promise<Resident> {
  const { birthDate, sequence, references = { hukou: `HUKOU-${sequence}`, capacity: `CAPACITY-${sequence}` }, agree = true } = options;
  const identity = identityNumber(birthDate, sequence);
  const share = async (reference: string, typeCode: string, details: Record<string, unknown>) => {
    const body = { reference, identityNumber: identity, category: 'identity', typeCode, formedOn: shanghaiDayOf(new Date()), details };
    const shared = await platform.call<{ recordId: string }>('POST', '/records', sharer, body);
    if (shared.status !== 201) throw new Error(`${reference} was not shared: ${JSON.stringify(shared.body)}`);
    return shared.body.recordId;
  };
  const hukou = await share(references.hukou, 'household-registration', {});
  await share(references.capacity, 'civil-capacity', { capacity: 'full' });
  const personId = (await platform.db.pool.query<{ person_id: string }>('SELECT person_id FROM records WHERE id = $1', [hukou])).rows[0]!.person_id;
  const token = await platform.token('person', { person: personId });
  if (agree) await platform.signAgreement(token);
  return { identity, personId, token };
}
