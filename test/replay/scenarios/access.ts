import { agreementTextWorkflowId, agreementWorkflowId } from '../../../src/workflows/agreement/contract';
import { AGENCIES, type Driver, type Resident } from '../driver';
import type { Scenario } from './scenario';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Art. 7, 12, 15, 18: the collection-and-use agreement signed and revoked, and a new version of its text; a requester registered for a purpose; authorizations granted, revoked and run out. */
export function accessScenario(): Scenario {
  let resident: Resident;
  let running: string;

  const grant = async (d: Driver, days: number) => {
    const validUntil = new Date((await d.bed.env.currentTimeMs()) + days * DAY_MS).toISOString();
    const granted = await d.expect(await d.bed.call('POST', '/me/authorizations', resident.token, { requesterId: AGENCIES.bank.id, purpose: 'lending', scenario: 'lending', validUntil }), 201);
    return { workflowId: granted.body.workflowId as string, authorizationId: granted.body.authorizationId as string };
  };

  return {
    async open(d) {
      resident = await d.resident();
      // NDRC registers the bank for lending (the driver did already: the same registration again).
      const registered = await d.expect(await d.bed.call('PUT', `/purposes/lending/requesters/${AGENCIES.bank.id}`, d.tokens.ndrc, { registered: true }), 200);
      await d.save(registered.body.workflowId as string, 'query-purpose-registration');
      const signed = await d.bed.pool.query<{ id: string }>('SELECT id FROM agreements WHERE person_id = $1', [resident.personId]);
      await d.save(agreementWorkflowId(signed.rows[0]!.id, 'sign'), 'agreement-signed');

      await d.save((await grant(d, 300)).workflowId, 'authorization-active');
      running = (await grant(d, 30)).workflowId;
      const revoked = await grant(d, 60);
      await d.expect(await d.bed.call('POST', `/me/authorizations/${revoked.authorizationId}/revocation`, resident.token), 200);
      await d.save(revoked.workflowId, 'authorization-revoked');

      // Revoking the agreement ends reads, not the authorizations' workflows.
      const other = await d.resident();
      await d.expect(await d.bed.call('POST', '/me/agreement/revocation', other.token, { channel: 'app' }), 200);
      const agreement = await d.bed.pool.query<{ id: string }>('SELECT id FROM agreements WHERE person_id = $1', [other.personId]);
      await d.save(agreementWorkflowId(agreement.rows[0]!.id, 'revoke'), 'agreement-revoked');
    },
    async lapsed(d) {
      await d.save(running, 'authorization-expired');
      // A new version of the agreement's text, last, and needing no new consent: no other scenario's agreements stop.
      const text = (await d.bed.call('GET', '/agreement-text')).body.text as string;
      await d.expect(await d.bed.call('POST', '/agreement-texts', d.tokens.ndrc, { version: 'capture-correction', text: `${text} `, requiresNewConsent: false }), 201);
      await d.save(agreementTextWorkflowId('capture-correction'), 'agreement-text-published');
    },
  };
}
