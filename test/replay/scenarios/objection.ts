import type { Driver, Resident } from '../driver';
import type { Scenario } from './scenario';

/** Art. 20: objections triaged, forwarded, handled in house, breached, withdrawn and refused. */
export function objectionScenario(): Scenario {
  let breached: string;
  let forwarded: string;
  let inHouse: string;
  let resident: Resident;

  /** A person objects to a new penalty of theirs; the objection's workflow id. */
  const file = async (d: Driver, reference: string, body: Record<string, unknown> = {}) => {
    const recordId = await d.penalty(resident, reference, 10);
    const filed = await d.expect(await d.bed.call('POST', '/objections', resident.token, { target: 'record', recordId, reason: 'The penalty was annulled on review', ...body }), 202);
    return { workflowId: filed.body.workflowId as string, objectionId: filed.body.objectionId as string, recordId };
  };

  return {
    async open(d) {
      resident = await d.resident();
      breached = (await file(d, 'OBJ-BREACH')).workflowId;
      await d.save(breached, 'objection-waiting-triage');
      d.when(breached, 'due-soon', 'objection-triage-reminded');
      d.when(breached, 'breached', 'objection-triage-breached');

      const toAgency = await file(d, 'OBJ-FORWARD', { evidence: [{ kind: 'decision', ref: 'review decision 2026-118' }] });
      forwarded = toAgency.workflowId;
      const triage = await d.task(forwarded, 'objection-triage');
      await d.expect(await d.bed.call('POST', `/tasks/${triage}/claim`, d.tokens.ndrc), 200);
      // A decision the task does not allow is refused before anything is recorded.
      await d.expect(await d.bed.call('POST', `/tasks/${triage}/completion`, d.tokens.ndrc, { decision: 'maybe', reasons: 'unsure' }), 422);
      await d.decide(d.tokens.ndrc, forwarded, 'objection-triage', 'forward-to-agency');
      await d.task(forwarded, 'objection-verification');
      await d.save(forwarded, 'objection-forwarded-waiting-agency');
      d.when(forwarded, 'due-soon', 'objection-forwarded-agency-reminded');

      inHouse = (await file(d, 'OBJ-IN-HOUSE')).workflowId;
      await d.decide(d.tokens.ndrc, inHouse, 'objection-triage', 'handle-in-house');
      await d.task(inHouse, 'objection-decision');
      await d.save(inHouse, 'objection-in-house-waiting-decision');

      const withdrawn = await file(d, 'OBJ-WITHDRAWN');
      await d.task(withdrawn.workflowId, 'objection-triage');
      await d.expect(await d.bed.call('POST', `/objections/${withdrawn.objectionId}/withdrawal`, resident.token), 200);
      await d.save(withdrawn.workflowId, 'objection-withdrawn');

      // The score itself, with a human review (PIPL art. 24): NDRC alone decides it.
      const score = await d.expect(await d.bed.call('POST', '/objections', resident.token, { target: 'score', humanReview: true, reason: 'My score ignores my volunteering' }), 202);
      await d.task(score.body.workflowId as string, 'objection-decision');
      await d.save(score.body.workflowId as string, 'objection-score-waiting-decision');
      await d.decide(d.tokens.ndrc, score.body.workflowId as string, 'objection-decision', 'uphold');
      await d.save(score.body.workflowId as string, 'objection-score-upheld');

      // NDRC registers an objection it received on paper two weeks ago: both its clocks have run out.
      const paper = await d.expect(
        await d.bed.call('POST', '/objections', d.tokens.ndrc, { target: 'score', personId: resident.personId, reason: 'Paper objection to the score', receivedOn: '2026-11-20' }),
        202,
      );
      await d.task(paper.body.workflowId as string, 'objection-decision');
      await d.save(paper.body.workflowId as string, 'objection-received-on-paper-breached');

      // A second objection to a record already under objection is refused at filing.
      const again = await d.bed.call('POST', '/objections', resident.token, { target: 'record', recordId: toAgency.recordId, reason: 'again' });
      if (again.status !== 409) throw new Error(`a second objection was not refused: ${again.status}`);
      const refused = d.bed.started.filter((start) => start.workflowId.startsWith('objection/')).at(-1)!;
      await d.save(refused.workflowId, 'objection-refused-at-filing');

      // A step Postgres refuses for good (a rule it holds that the code does not): the workflow records its failure, then fails (0.3.0).
      await d.bed.pool.query(`CREATE FUNCTION refuse_marked_task() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.context->>'reason' LIKE 'TASK-REFUSED%' THEN RAISE check_violation USING MESSAGE = 'refused'; END IF; RETURN NEW; END $$`);
      await d.bed.pool.query('CREATE TRIGGER refuse_marked_task BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION refuse_marked_task()');
      const failing = await file(d, 'OBJ-FAILING', { reason: 'TASK-REFUSED: the penalty was annulled' });
      await d.until(async () => (await d.bed.client.workflow.getHandle(failing.workflowId).describe()).status.name, 'FAILED', 'the failing objection');
      await d.save(failing.workflowId, 'objection-failed-recorded');
      await d.bed.pool.query('DROP TRIGGER refuse_marked_task ON tasks; DROP FUNCTION refuse_marked_task()');
    },
    async closing(d) {
      await d.decide(d.tokens.market, forwarded, 'objection-verification', 'correct', {
        correction: { typeCode: 'administrative-penalty', formedOn: '2024-11-01', details: { procedure: 'general' }, evidence: [{ kind: 'decision', ref: 'decision OBJ-FORWARD' }] },
      });
      await d.save(forwarded, 'objection-forwarded-corrected');
      await d.decide(d.tokens.ndrc, inHouse, 'objection-decision', 'remove');
      await d.save(inHouse, 'objection-in-house-removed');
      await d.decide(d.tokens.ndrc, breached, 'objection-triage', 'handle-in-house');
      await d.decide(d.tokens.ndrc, breached, 'objection-decision', 'uphold');
      await d.save(breached, 'objection-breached-then-upheld');
    },
  };
}
