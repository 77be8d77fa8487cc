import type { OrganisationKind } from '../../src/api/agencies/queries';
import type { Role } from '../../src/domain/roles';
import type { RunningPlatform } from './platform';

/**
 * The organisations the end-to-end tests act for. Their ids are what the tests assert on (a record's
 * sharer, a task's agency) and part of the workflow ids `record-sharing/{id}/{reference}` every test
 * file starts on the one dev server, so they stay as the tests use them; a file that wants its
 * workflows apart from the others' acts for organisations of its own (fuzz-, matrix-, ops-, browser-).
 */
export const ORGANISATIONS = {
  'jinan-public-security': { name: 'Jinan Public Security Bureau', kind: 'agency' },
  'jinan-market-regulation': { name: 'Jinan Market Regulation Bureau', kind: 'agency' },
  'jinan-tax': { name: 'Jinan Taxation Bureau', kind: 'agency' },
  'jinan-civil-affairs': { name: 'Jinan Civil Affairs Bureau', kind: 'agency' },
  'jinan-transport': { name: 'Jinan Transport Bureau', kind: 'agency' },
  'jinan-civilisation-office': { name: 'Jinan Civilisation Office', kind: 'agency' },
  'shandong-hrss': { name: 'Shandong Human Resources and Social Security', kind: 'agency' },
  'qilu-bank': { name: 'Qilu Bank', kind: 'provider' },
  'jinan-bank': { name: 'Jinan Bank', kind: 'provider' },
  'jinan-rural-bank': { name: 'Jinan Rural Commercial Bank', kind: 'requester' },
  'qilu-employer': { name: 'Qilu Manufacturing', kind: 'requester' },
  'fuzz-agency': { name: 'Agency the fuzzer acts for', kind: 'agency' },
  'fuzz-bank': { name: 'Requester the fuzzer acts for', kind: 'requester' },
  'matrix-police': { name: 'Police of the authorization matrix', kind: 'agency' },
  'matrix-market': { name: 'Market regulator of the authorization matrix', kind: 'agency' },
  'matrix-tax': { name: 'Tax bureau of the authorization matrix', kind: 'agency' },
  'matrix-bank': { name: 'Bank of the authorization matrix', kind: 'requester' },
  'ops-market': { name: 'Market regulation', kind: 'agency' },
  'browser-tax-bureau': { name: 'Jinan Tax Bureau', kind: 'agency' },
  'browser-urban-management': { name: 'Jinan Urban Management Bureau', kind: 'agency' },
  'browser-qilu-lender': { name: 'Qilu Consumer Lending', kind: 'provider' },
} as const satisfies Record<string, { name: string; kind: OrganisationKind }>;

export type OrganisationId = keyof typeof ORGANISATIONS;

/**
 * Someone acting for an organisation: by its id, in the role of its kind; or in another role its
 * kind acts in (an agency's `civic-db` feed), under a clerk's subject the register and task histories show.
 */
export type Party = OrganisationId | { id: OrganisationId; role?: Role; subject?: string };

/**
 * Registers the organisations of the parties, as an admin does, and returns a token of each party
 * under its key. Registering is a PUT that renames what is registered already, so a test may name
 * an organisation its file registered before and still pass alone.
 */
export async function organisations<const P extends Record<string, Party>>(platform: RunningPlatform, parties: P): Promise<{ [K in keyof P]: string }> {
  const admin = await platform.token('admin');
  const acting = Object.entries(parties).map(([key, party]) => [key, typeof party === 'string' ? { id: party } : party] as const);
  for (const id of new Set(acting.map(([, party]) => party.id))) {
    const registered = await platform.call('PUT', `/admin/agencies/${id}`, admin, ORGANISATIONS[id]);
    if (registered.status !== 200) throw new Error(`${id} was not registered: ${JSON.stringify(registered.body)}`);
  }
  const tokens = acting.map(async ([key, { id, role, subject }]) => [key, await platform.token(role ?? ORGANISATIONS[id].kind, { agency: id, subject })] as const);
  return Object.fromEntries(await Promise.all(tokens)) as { [K in keyof P]: string };
}
