import { MARKET_ATTESTATION } from '../../../src/domain/record';
import { obligationWorkflowId } from '../../../src/workflows/records/contract';
import { identityNumber } from '../../support/identities';
import { AGENCIES, type Driver, type Resident } from '../driver';
import type { Scenario } from './scenario';

const market = AGENCIES.market.id;

/** Art. 10: the sharing obligation at each of its waiting points, a record's change, and a bulk batch. */
export function recordsScenario(): Scenario {
  let resident: Resident;
  const late = obligationWorkflowId(market, 'OB-LATE');
  const announce = async (d: Driver, reference: string) => d.expect(await d.bed.call('POST', '/obligations', d.tokens.market, { reference, formedOn: d.today }), 202);
  const penalty = (d: Driver, reference: string, identity = resident.identity) => ({
    reference,
    identityNumber: identity,
    category: 'administrative',
    typeCode: 'administrative-penalty',
    formedOn: d.today,
    details: { procedure: 'general' },
  });

  return {
    async open(d) {
      resident = await d.resident();
      // A record with no announced obligation: its workflow starts with the share and ends with it.
      await d.share('market', penalty(d, 'ARRIVED-1'));
      await d.save(obligationWorkflowId(market, 'ARRIVED-1'), 'record-sharing-arrived-unannounced');
      // A market provider's record: no sharing deadline (Art. 10, second paragraph).
      await d.share('lender', {
        reference: 'LOAN-1',
        identityNumber: resident.identity,
        category: 'market',
        typeCode: 'loan-overdue',
        formedOn: d.today,
        details: { daysOverdue: 45 },
        attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Consumer Finance credit office', attestedAt: new Date().toISOString() },
      });
      await d.save(obligationWorkflowId(AGENCIES.lender.id, 'LOAN-1'), 'record-sharing-provider-shared');

      await announce(d, 'OB-LATE');
      await d.save(late, 'record-sharing-announced-waiting');
      d.when(late, 'due-soon', 'record-sharing-reminded');
      d.when(late, 'breached', 'record-sharing-breached');

      await announce(d, 'OB-ON-TIME');
      await d.share('market', penalty(d, 'OB-ON-TIME'));
      await d.save(obligationWorkflowId(market, 'OB-ON-TIME'), 'record-sharing-announced-shared-on-time');

      // A share refused by the store (a minor is out of scope) leaves the obligation open.
      await announce(d, 'OB-REFUSED');
      const minor = await d.bed.call('POST', '/records', d.tokens.market, penalty(d, 'OB-REFUSED', identityNumber('2015-05-05', 901)));
      if (minor.status < 400) throw new Error(`a minor's record was stored: ${JSON.stringify(minor.body)}`);
      await d.save(obligationWorkflowId(market, 'OB-REFUSED'), 'record-sharing-share-refused-still-open');

      await announce(d, 'OB-WITHDRAWN');
      await d.expect(await d.bed.call('POST', '/obligations/OB-WITHDRAWN/withdrawal', d.tokens.market, { reason: 'announced in error' }), 200);
      await d.save(obligationWorkflowId(market, 'OB-WITHDRAWN'), 'record-sharing-withdrawn');

      // Bulk intake answers an announced obligation with a signal.
      await announce(d, 'OB-BULK');
      const rows = [penalty(d, 'OB-BULK'), penalty(d, 'BULK-2'), penalty(d, 'BULK-MINOR', identityNumber('2014-04-04', 902))];
      const batch = await d.expect(await d.bed.call('POST', '/records/bulk', d.tokens.market, rows.map((row) => JSON.stringify(row)).join('\n'), 'application/x-ndjson'), 202);
      await d.save(batch.body.workflowId as string, 'bulk-intake-completed');
      await d.save(obligationWorkflowId(market, 'OB-BULK'), 'record-sharing-shared-in-batch');

      // A correction and a revocation, each its own workflow.
      await d.expect(
        await d.bed.call('POST', '/records/ARRIVED-1/correction', d.tokens.market, {
          typeCode: 'administrative-penalty',
          formedOn: d.today,
          details: { procedure: 'general', amountYuan: 200 },
          evidence: [],
          reason: 'the amount was wrong',
        }),
        200,
      );
      await d.save(changeWorkflow(d), 'record-change-corrected');
      await d.expect(await d.bed.call('POST', '/records/BULK-2/revocation', d.tokens.market, { reason: 'the decision was annulled' }), 200);
      await d.save(changeWorkflow(d), 'record-change-revoked');
    },
    async closing(d) {
      // The breached obligation is met late.
      await d.share('market', penalty(d, 'OB-LATE'));
      await d.save(late, 'record-sharing-shared-late');
    },
  };
}

/** The last change workflow the API started (`record-change/...`). */
function changeWorkflow(d: Driver): string {
  return d.bed.started.filter((start) => start.workflowId.startsWith('record-change/')).at(-1)!.workflowId;
}
