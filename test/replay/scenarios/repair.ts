import { addDays } from '../../../src/domain/working-days';
import { COMMITMENT } from '../../support/repair-fixtures';
import type { Driver, Resident } from '../driver';
import type { Scenario } from './scenario';

/** Civic events enough for a repair's history to pass the 2,000 events after which it continues as new (about ten events each). */
const LONG_FEED_EVENTS = 300;

/** The days back a general-tier penalty is formed so that its 12-month maximum period ends within the first working week. */
const NEAR_MAXIMUM = 360;

/**
 * Art. 21 and Order 36: repairs by each route (performance, deferral, volunteering fed by the
 * civic feed), through NDRC's check and the agency's decision, withdrawn, refused, and overtaken
 * by the record's maximum period.
 */
export function repairScenario(): Scenario {
  let resident: Resident;
  let performance: { workflowId: string; repairId: string };
  let deferral: string;
  let deferralRecord: string;
  let volunteering: { workflowId: string; repairId: string };
  let moot: string;
  let sector: string;

  const file = async (d: Driver, applicant: Resident, reference: string, route: string, daysAgo = 120) => {
    const recordId = await d.penalty(applicant, reference, daysAgo);
    const filed = await d.expect(await d.bed.call('POST', '/repairs', applicant.token, { recordId, route, commitmentVersion: COMMITMENT }), 202);
    return { workflowId: filed.body.workflowId as string, repairId: filed.body.repairId as string, recordId };
  };
  const volunteer = (d: Driver, applicant: Resident, eventId: string, hours: number) =>
    d.bed.call('POST', '/civic-events', d.tokens.civicDb, { events: [{ eventId, identityNumber: applicant.identity, kind: 'volunteering', amount: hours, occurredOn: d.today }] });

  return {
    async open(d) {
      resident = await d.resident();
      performance = await file(d, resident, 'REP-PERFORMANCE', 'performance');
      await d.task(performance.workflowId, 'repair-performance');
      await d.save(performance.workflowId, 'repair-performance-waiting-confirmation');
      await d.decide(d.tokens.market, performance.workflowId, 'repair-performance', 'not-met');
      await d.until(async () => (await d.bed.call('GET', `/repairs/${performance.repairId}`, resident.token)).body.obligationUnmet, true, 'the unmet obligation');
      await d.save(performance.workflowId, 'repair-performance-obligation-unmet');

      ({ workflowId: deferral, recordId: deferralRecord } = await file(d, resident, 'REP-DEFERRAL', 'deferral'));
      await d.decide(d.tokens.market, deferral, 'repair-deferral', 'grant', { schedule: [addDays(d.today, 3), addDays(d.today, 6)] });
      await d.task(deferral, 'repair-instalment');
      await d.save(deferral, 'repair-deferral-waiting-first-instalment');

      // Volunteering, fed by the civilised-behaviour database: 12 of 20 hours so far.
      const volunteer1 = await d.resident();
      volunteering = await file(d, volunteer1, 'REP-VOLUNTEER', 'volunteering');
      // 0.3.0: the agency confirms the obligation met before civic conduct counts (Order 36 art. 3).
      await d.task(volunteering.workflowId, 'repair-performance');
      await d.save(volunteering.workflowId, 'repair-volunteering-waiting-obligation');
      await d.decide(d.tokens.market, volunteering.workflowId, 'repair-performance', 'met');
      await d.save(volunteering.workflowId, 'repair-volunteering-collecting');
      const fed = await d.expect(await volunteer(d, volunteer1, 'EV-REPLAY-1', 12), 202);
      await d.save(fed.body.workflowId as string, 'civic-batch-routed-to-repair');
      await d.until(async () => (await d.bed.call('GET', `/repairs/${volunteering.repairId}`, volunteer1.token)).body.progress, 12, 'the repair progress');
      await d.save(volunteering.workflowId, 'repair-volunteering-evidence-counted');

      // Fed for long (an event a day for a year, in minutes of the capture): the repair continues as new (0.3.0).
      const longFed = await d.resident();
      const long = await file(d, longFed, 'REP-LONG', 'volunteering');
      await d.decide(d.tokens.market, long.workflowId, 'repair-performance', 'met');
      const firstRun = (await d.bed.client.workflow.getHandle(long.workflowId).describe()).runId;
      const events = Array.from({ length: LONG_FEED_EVENTS }, (_, i) => ({ eventId: `EV-LONG-${i}`, identityNumber: longFed.identity, kind: 'volunteering', amount: 0.01, occurredOn: d.today }));
      for (let from = 0; from < events.length; from += 1000) {
        await d.expect(await d.bed.call('POST', '/civic-events', d.tokens.civicDb, { events: events.slice(from, from + 1000) }), 202);
      }
      await d.until(async () => (await d.bed.call('GET', `/repairs/${long.repairId}`, longFed.token)).body.progress, LONG_FEED_EVENTS / 100, 'the long feed counted');
      await d.save(d.bed.client.workflow.getHandle(long.workflowId, firstRun), 'repair-volunteering-continued-as-new');
      await d.save(long.workflowId, 'repair-volunteering-after-continue-as-new');

      // Fed to the end: 20 hours make the application complete; NDRC finds it incomplete all the same.
      const volunteer2 = await d.resident();
      const complete = (await file(d, volunteer2, 'REP-INCOMPLETE', 'volunteering')).workflowId;
      await d.decide(d.tokens.market, complete, 'repair-performance', 'met');
      await d.expect(await volunteer(d, volunteer2, 'EV-REPLAY-2', 20), 202);
      await d.task(complete, 'repair-completeness');
      await d.save(complete, 'repair-checking-waiting-completeness');
      await d.decide(d.tokens.ndrc, complete, 'repair-completeness', 'incomplete');
      await d.save(complete, 'repair-incomplete-rejected');

      const withdrawn = await file(d, resident, 'REP-WITHDRAWN', 'performance');
      await d.task(withdrawn.workflowId, 'repair-performance');
      await d.expect(await d.bed.call('POST', `/repairs/${withdrawn.repairId}/withdrawal`, resident.token), 200);
      await d.save(withdrawn.workflowId, 'repair-withdrawn');

      // A second repair of a record with one open is refused at filing.
      const starts = d.bed.started.length;
      const again = await d.bed.call('POST', '/repairs', resident.token, { recordId: deferralRecord, route: 'performance', commitmentVersion: COMMITMENT });
      if (again.status !== 409) throw new Error(`a second repair was not refused: ${again.status} ${JSON.stringify(again.body)}`);
      if (d.bed.started.length > starts) await d.save(d.bed.started.at(-1)!.workflowId, 'repair-refused-at-filing');

      // Records near the end of their maximum period: one waiting for the agency, one it found unmet.
      moot = (await file(d, resident, 'REP-MOOT', 'performance', NEAR_MAXIMUM)).workflowId;
      await d.task(moot, 'repair-performance');
      sector = (await file(d, resident, 'REP-SECTOR', 'performance', NEAR_MAXIMUM)).workflowId;
      await d.decide(d.tokens.market, sector, 'repair-performance', 'not-met');
      await d.save(sector, 'repair-obligation-unmet-near-maximum');
    },
    async closing(d) {
      await d.save(moot, 'repair-moot-at-maximum-period');
      await d.task(sector, 'repair-sector-decision');
      await d.save(sector, 'repair-sector-decision-waiting');
      await d.decide(d.tokens.market, sector, 'repair-sector-decision', 'reject');
      await d.save(sector, 'repair-sector-decision-rejected');

      await d.expect(await d.bed.call('POST', `/repairs/${performance.repairId}/performance`, resident.token), 200);
      await d.decide(d.tokens.market, performance.workflowId, 'repair-performance', 'met');
      await d.decide(d.tokens.ndrc, performance.workflowId, 'repair-completeness', 'complete');
      await d.task(performance.workflowId, 'repair-decision');
      await d.save(performance.workflowId, 'repair-deciding-waiting-agency');
      await d.decide(d.tokens.market, performance.workflowId, 'repair-decision', 'approve');
      await d.save(performance.workflowId, 'repair-approved');

      await d.decide(d.tokens.market, deferral, 'repair-instalment', 'paid');
      await d.until(async () => (await d.bed.pool.query(`SELECT count(*)::int AS n FROM tasks WHERE workflow_id = $1 AND kind = 'repair-instalment'`, [deferral])).rows[0].n, 2, 'the second instalment');
      await d.save(deferral, 'repair-deferral-waiting-second-instalment');
      await d.decide(d.tokens.market, deferral, 'repair-instalment', 'missed');
      await d.save(deferral, 'repair-deferral-instalment-missed');
    },
    async lapsed(d) {
      await d.save(volunteering.workflowId, 'repair-volunteering-window-expired');
    },
  };
}
