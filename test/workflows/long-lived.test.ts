import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/working-days';
import { civicEvidenceSignal, repairQuery } from '../../src/workflows/repair/contract';
import { EVENTS_PER_RUN } from '../../src/workflows/shared/history';
import { FIXTURE_CLERK, RepairFixture } from '../support/repair-fixtures';
import { workflowTestBed } from '../support/workflow-bed';

const FILED_ON = '2026-09-29';
const WEEKS = 104;

describe('Art. 21 credit repair: a repair fed by the civic database for two years keeps its history short', () => {
  const bed = workflowTestBed({
    startAt: new Date(`${FILED_ON}T02:00:00Z`),
    prepare: async (db) => {
      await RepairFixture.prepare(db);
      // A record that counts four years, and a volunteering route whose window and threshold outlast the test:
      // the repair gathers evidence all along.
      await db.pool.query(`UPDATE record_types SET tiers = tiers || '{"general": 48}' WHERE code = 'administrative-penalty'`);
      await db.pool.query(
        `UPDATE repair_rules SET definition = jsonb_set(definition, '{routes,volunteering,tiers,general}', '{"threshold": 100000, "windowDays": 800}') WHERE status = 'active'`,
      );
    },
  });
  const repairs = new RepairFixture(
    () => bed.db.pool,
    () => bed.env.client,
    () => bed.taskQueue,
  );

  it(`receives an event a day for ${WEEKS} weeks, continuing as new every ${EVENTS_PER_RUN} events, and counts every event once`, async () => {
    const { personId } = await repairs.resident();
    const recordId = await repairs.record(personId, 'administrative-penalty', '2026-06-01');
    const { filing, handle, repairId } = repairs.file(personId, recordId, 'volunteering');
    await filing;
    await repairs.decideNext(handle, 'repair-performance', FIXTURE_CLERK, 'met', 'the fine was paid');
    const firstRun = (await handle.describe()).runId;
    // The events as the civilised-behaviour database keeps them (the civic feed's first step); each then reaches the repair as its signal.
    await bed.db.pool.query(
      `INSERT INTO civic_events (event_id, person_id, kind, amount, occurred_on, fed_by)
       SELECT 'EV-' || to_char(day, 'YYYY-MM-DD'), $1, 'volunteering', 1, day, 'jinan-civilisation-office'
       FROM generate_series($2::date, $2::date + ($3::int - 1), interval '1 day') AS day`,
      [personId, FILED_ON, WEEKS * 7],
    );

    for (let week = 0; week < WEEKS; week += 1) {
      await bed.env.sleep('7 days');
      for (let day = 0; day < 7; day += 1) {
        const occurredOn = addDays(FILED_ON, week * 7 + day);
        await handle.signal(civicEvidenceSignal, { eventId: `EV-${occurredOn}`, kind: 'volunteering', amount: 1, occurredOn });
      }
    }
    // The feed sends an event of the first week again: still counted once.
    await handle.signal(civicEvidenceSignal, { eventId: `EV-${FILED_ON}`, kind: 'volunteering', amount: 1, occurredOn: FILED_ON });

    await expect.poll(async () => (await handle.query(repairQuery)).progress, { timeout: 120_000, interval: 500 }).toBe(WEEKS * 7);
    const latest = await handle.describe();
    expect(latest.runId).not.toBe(firstRun);
    expect(latest.status.name).toBe('RUNNING');
    expect(latest.historyLength).toBeLessThan(EVENTS_PER_RUN + 100);
    const first = await bed.env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
    expect(first.events!.length).toBeLessThan(EVENTS_PER_RUN + 100);
    expect(first.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(await handle.query(repairQuery)).toMatchObject({ state: 'collecting', progress: WEEKS * 7, terms: { route: 'volunteering', threshold: 100000 } });
    expect(await repairs.repairRow(repairId)).toMatchObject({ state: 'collecting', progress: WEEKS * 7 });
  }, 600_000);
});
