import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKET_ATTESTATION } from '../../src/domain/record';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 16 and Art. 17 incentives implemented by agencies, answered without the score', () => {
  let platform: RunningPlatform;
  let police: string;
  let market: string;
  let transport: string;
  const today = shanghaiDayOf(new Date());
  let clean: string;
  let banned: string;
  let unagreed: string;

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const deposits = {
    name: '公共自行车免押金',
    benefitKind: 'deposit-free',
    benefit: 'No deposit for public bicycles',
    conditions: [
      { kind: 'level-at-least', scenario: 'base', level: 'A' },
      { kind: 'no-record-of-tier', tier: 'serious', withinMonths: 12 },
    ],
    validFrom: '2026-01-01',
    validUntil: null,
  };
  const ask = (identity: string, token = transport) => call('POST', '/incentives/bike-deposit-free/eligibility', token, { identityNumber: identity });

  /** A resident in scope, who signed the agreement unless told not to. */
  const resident = (birthDate: string, sequence: number, agree = true) => residentInScope(platform, police, { birthDate, sequence, agree });

  beforeAll(async () => {
    platform = await startPlatform();
    ({ police, market, transport } = await organisations(platform, {
      police: 'jinan-public-security',
      market: 'jinan-market-regulation',
      transport: { id: 'jinan-transport', subject: 'transport-clerk-ma' },
    }));
    clean = (await resident('1986-06-16', 616)).identity;
    const bannedPerson = await resident('1987-07-17', 717);
    banned = bannedPerson.identity;
    await call('POST', '/records', market, { reference: 'BAN-717', identityNumber: banned, category: 'administrative', typeCode: 'market-ban', formedOn: addDays(today, -30), details: {} });
    unagreed = (await resident('1988-08-18', 818, false)).identity;
    // Both scored before they are asked about: the banned person's level falls with the ban.
    for (let tries = 0; (await platform.db.pool.query(`SELECT level FROM scores WHERE person_id = $1 AND scenario = 'base'`, [bannedPerson.personId])).rows[0]?.level !== 'B'; tries += 1) {
      if (tries > 300) throw new Error('the market ban never reached the score');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => platform?.stop());

  it('Art. 17 an agency defines its own incentive as versioned data; another agency cannot take it over; negative rules do not exist', async () => {
    expect((await call('PUT', '/incentives/bike-deposit-free', transport, deposits)).body).toEqual({ incentiveId: 'bike-deposit-free', version: 1 });
    expect((await call('PUT', '/incentives/bike-deposit-free', transport, { ...deposits, benefit: 'No deposit for public bicycles and e-bikes' })).body).toEqual({
      incentiveId: 'bike-deposit-free',
      version: 2,
    });
    expect((await call('PUT', '/incentives/bike-deposit-free', market, deposits)).status).toBe(403);
    const refusals = [
      [{ ...deposits, conditions: [{ kind: 'level-below', scenario: 'base', level: 'C' }] }, 'body.conditions.0.kind'],
      [{ ...deposits, benefitKind: 'denial' }, 'body.benefitKind'],
      [{ ...deposits, deniedService: 'public-housing' }, 'body.deniedService'],
      [{ ...deposits, conditions: [{ kind: 'level-at-least', scenario: 'base', level: 'Z' }] }, 'body.conditions.0.level'],
      [{ ...deposits, conditions: [{ kind: 'level-at-least', scenario: 'gambling', level: 'A' }] }, 'body.conditions.0.scenario'],
    ] as const;
    for (const [body, field] of refusals) {
      const answer = await call('PUT', '/incentives/bike-deposit-free', transport, body);
      expect({ status: answer.status, field: answer.body.error?.field }).toEqual({ status: 400, field });
    }
    const catalogue = (await call('GET', '/incentives', police)).body.incentives;
    expect(catalogue).toMatchObject([{ incentiveId: 'bike-deposit-free', version: 2, ownerAgency: 'jinan-transport', definition: { benefitKind: 'deposit-free' } }]);
  });

  it('Art. 16 answers yes or no with the rule version, never the score or the records, and registers the check', async () => {
    const yes = await ask(clean);
    expect(yes.body).toEqual({ incentiveId: 'bike-deposit-free', version: 2, eligible: true, checkedOn: today });
    const no = await ask(banned);
    expect(no.body).toEqual({ incentiveId: 'bike-deposit-free', version: 2, eligible: false, checkedOn: today });
    const registered = await platform.db.pool.query(`SELECT purpose, legal_basis, actor_agency FROM query_log WHERE actor_id = 'transport-clerk-ma' AND outcome = 'granted' ORDER BY id`);
    expect(registered.rows).toEqual([
      { purpose: 'incentive bike-deposit-free v2', legal_basis: 'Art. 12, 16, 17', actor_agency: 'jinan-transport' },
      { purpose: 'incentive bike-deposit-free v2', legal_basis: 'Art. 12, 16, 17', actor_agency: 'jinan-transport' },
    ]);
  });

  it('Art. 12, 16 a rule reads only what counts in the score: not an expired record, not market information', async () => {
    const { bank } = await organisations(platform, { bank: 'qilu-bank' });
    const clear = { ...deposits, name: '图书馆快速通道', benefitKind: 'fast-track', benefit: 'A fast lane at the library', conditions: [{ kind: 'no-record-of-tier', tier: 'general', withinMonths: 60 }] };
    expect((await call('PUT', '/incentives/library-fast-track', transport, clear)).status).toBe(200);
    const penalty = (identity: string, reference: string, formedOn: string) =>
      call('POST', '/records', market, { reference, identityNumber: identity, category: 'administrative', typeCode: 'administrative-penalty', formedOn, details: { procedure: 'general' } });

    const expired = await resident('1985-05-15', 515);
    // An administrative penalty counts for a year: this one, two years old, no longer does.
    expect((await penalty(expired.identity, 'INC-PEN-515', addDays(today, -730))).status).toBe(201);
    const borrower = await resident('1985-05-16', 516);
    const loan = {
      reference: 'INC-LOAN-516', identityNumber: borrower.identity, category: 'market', typeCode: 'loan-overdue', formedOn: addDays(today, -30), details: { daysOverdue: 95 },
      attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Bank credit office', attestedAt: new Date().toISOString() },
    };
    expect((await call('POST', '/records', bank, loan)).status).toBe(201);
    const counting = await resident('1985-05-17', 517);
    expect((await penalty(counting.identity, 'INC-PEN-517', addDays(today, -30))).status).toBe(201);

    // Each scored (a rule reads nothing of a person with no score), the counting penalty in the score.
    const scored = [expired, borrower, counting].map((person) => person.personId);
    const rescored = async () => (await platform.db.pool.query(`SELECT array_agg(score ORDER BY score) AS scores FROM scores WHERE person_id = ANY($1) AND scenario = 'base'`, [scored])).rows[0].scores;
    await expect.poll(rescored, { timeout: 15_000 }).toEqual([970, 1000, 1000]);
    const eligible = async (identity: string) => (await call('POST', '/incentives/library-fast-track/eligibility', transport, { identityNumber: identity })).body.eligible;
    expect(await eligible(counting.identity)).toBe(false);
    expect(await eligible(expired.identity)).toBe(true);
    expect(await eligible(borrower.identity)).toBe(true);
  });

  it('Art. 7 gives no incentive answer without the agreement; only the implementing agency asks', async () => {
    // Defined here too, so the test passes alone.
    expect((await call('PUT', '/incentives/bike-deposit-free', transport, deposits)).status).toBe(200);
    expect((await ask(unagreed)).body.error).toMatchObject({ code: 'agreement-required' });
    expect((await ask(identityNumber('1989-09-19', 919))).body.error).toMatchObject({ code: 'agreement-required' });
    expect((await ask(clean, market)).status).toBe(404);
    expect((await ask(clean, await platform.token('person', { person: '00000000-0000-4000-8000-000000000616' }))).status).toBe(403);
  });
});
