import { allHandlersFinished, condition, continueAsNew, log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RepairActivities } from '../../activities/repair';
import type { Evidence } from '../../domain/record';
import { SUPPLEMENT_DAYS, windowEnd, type RouteTerms } from '../../domain/repair';
import { addDays, shanghaiDayOf, startOfShanghaiDay, type LocalDate } from '../../domain/working-days';
import { databaseStepOptions } from '../shared/activity-options';
import { NOT_THE_APPLICANT, refusal, type TaskCompletion, type Wording } from '../shared/contract';
import { CurrentDetails } from '../shared/current-details';
import { REPAIR_WORDING } from './wording';
import { Filing } from '../shared/filing';
import { historyIsLong } from '../shared/history';
import { HumanTasks, type TaskSpec } from '../shared/human-tasks';
import { refusalOf } from '../shared/refusals';
import { requestRescoring } from '../shared/rescoring-request';
import { SlaClock, type SlaStageHandle } from '../shared/sla-clock';
import {
  civicEvidenceSignal,
  fileRepairUpdate,
  NOT_AWAITING_PERFORMANCE,
  NOT_AWAITING_SUPPLEMENT,
  REPAIR_CLOSED,
  repairQuery,
  reportPerformanceUpdate,
  supplyRepairUpdate,
  withdrawRepairUpdate,
  type CivicEvidence,
  type RepairInput,
  type RepairState,
  type RepairView,
} from './contract';

const repairs = proxyActivities<RepairActivities>(databaseStepOptions);

type Responsible = { role: 'ndrc' } | { role: 'agency'; agencyId: string };
/** How gathering the route's evidence ended: complete, stopped (withdrawn, maximum period), or the route failed. */
type Gathered = 'complete' | 'stopped' | { state: 'rejected' | 'expired'; reasons: string; decidedBy: string | null };

const OPEN_STATES: RepairState[] = ['collecting', 'checking', 'supplementing', 'deciding'];

/**
 * 0.3.0: a repair gathering civic evidence continues as new once its history is long (a feed of
 * an event a day for the record's years). Runs of 0.2.0 never did; their histories replay
 * without it.
 */
const CONTINUE_LONG_GATHERING = 'repair-continues-as-new-while-gathering';

/** 0.3.0: a completeness check may ask the applicant for what is missing (DOMAIN.md) instead of only ending the repair. */
const COMPLETENESS_ASKS_SUPPLEMENT = 'repair-completeness-asks-supplement';
/**
 * 0.3.0: on a civic route (volunteering, donation, civilised practice) the agency first confirms
 * that the legal obligation is met, as on the performance route: civic conduct adds to meeting it,
 * never replaces it (Order 36 art. 3). A repair filed before gathers at once.
 */
const CIVIC_ROUTES_NEED_OBLIGATION_MET = 'repair-civic-routes-need-obligation-met';

/**
 * Art. 21 and NDRC Order No. 36: a person repairs one of their negative records. The route's
 * evidence comes first: subsequent performance confirmed by the agency; a deferral granted with
 * instalments, each confirmed; or civilised-behaviour events fed over weeks until the threshold
 * is reached within the window. The application is then complete: the platform's clock (10
 * working days) starts, NDRC checks completeness and forwards, and the agency that made the
 * finding decides (3 working days from the forward). Approval marks the record repaired and
 * rescores the person. The record's maximum period ending first makes the repair moot, unless the
 * agency found the obligation unmet: then the agency decides under its sector rules.
 * Workflow id `repair/{id}`.
 */
export async function repairWorkflow(input: RepairInput): Promise<RepairView> {
  const details = new CurrentDetails();
  const clock = new SlaClock(details);
  const tasks = new HumanTasks('repair', input.personId, details);
  const { workflowId } = workflowInfo();
  const view: RepairView = { state: 'collecting', terms: null, progress: 0, instalments: [], openTaskId: null, obligationUnmet: false };
  let withdrawn = false;
  let maximumReached = false;
  let deciding = false;
  let performanceReported = false;
  /** What the applicant supplied for the open supplement request. */
  let suppliedNow: Evidence[] | undefined;
  const arrived: CivicEvidence[] = [];
  const counted = new Set<string>();
  // A run continued as new was filed by its first run: its filing update is never sent again.
  const filing = input.carried ? undefined : new Filing(fileRepairUpdate, () => view);
  const closed = () => !OPEN_STATES.includes(view.state);
  const stopped = () => withdrawn || maximumReached;
  const mustBeApplicant = (personId: string) => {
    if (personId !== input.personId) throw refusal(NOT_THE_APPLICANT, 'Only the applicant may act on the repair', 'personId');
  };

  setHandler(repairQuery, () => view);
  setHandler(
    supplyRepairUpdate,
    async ({ evidence }) => {
      suppliedNow = evidence;
      // Answers once the application is back with NDRC (or the repair stopped meanwhile).
      await condition(() => view.state !== 'supplementing');
      return view;
    },
    {
      validator: ({ personId, evidence }) => {
        mustBeApplicant(personId);
        if (view.state !== 'supplementing' || suppliedNow !== undefined) throw refusal(NOT_AWAITING_SUPPLEMENT, 'NDRC has asked for nothing to be supplied', 'repairId');
        if (!Array.isArray(evidence) || evidence.length === 0) throw refusal(NOT_AWAITING_SUPPLEMENT, 'Supply at least one item of evidence', 'evidence');
      },
    },
  );
  setHandler(civicEvidenceSignal, (evidence) => {
    arrived.push(evidence);
  });
  setHandler(
    withdrawRepairUpdate,
    async () => {
      withdrawn = true;
      await condition(closed);
      // The agency's decision may have arrived in the same moment: it stands.
      if (view.state !== 'withdrawn') throw refusal(REPAIR_CLOSED, `The repair is already ${view.state}`, 'repairId');
      return view;
    },
    {
      validator: ({ personId }) => {
        mustBeApplicant(personId);
        if (closed() || deciding) throw refusal(REPAIR_CLOSED, deciding ? 'The agency has decided the repair' : `The repair is already ${view.state}`, 'repairId');
      },
    },
  );
  setHandler(
    reportPerformanceUpdate,
    () => {
      performanceReported = true;
      view.obligationUnmet = false;
      return view;
    },
    {
      validator: ({ personId }) => {
        mustBeApplicant(personId);
        if (closed() || !view.obligationUnmet) throw refusal(NOT_AWAITING_PERFORMANCE, 'The agency has not found the obligation unmet: there is nothing to report again', 'personId');
      },
    },
  );

  const filed = input.carried ? input.carried.filed : await filing!.file(() => repairs.fileRepair({ ...input, workflowId, filedAt: new Date().toISOString() }));
  if (!filed) {
    view.state = 'refused';
    details.end(REPAIR_WORDING.refusedAtFiling);
    await condition(allHandlersFinished);
    return view;
  }
  const terms: RouteTerms = filed.terms;
  view.terms = terms;
  view.progress = input.carried?.progress ?? 0;
  arrived.unshift(...filed.evidence);
  const agency: Responsible = { role: 'agency', agencyId: filed.deciderId };
  const context = { repairId: input.repairId, recordId: input.recordId, route: terms.route, terms };

  // Order 36: when the record's maximum period ends it stops counting by itself.
  if (filed.maximumEndsOn) {
    const endsAt = startOfShanghaiDay(filed.maximumEndsOn).getTime();
    void condition(closed, Math.max(1, endsAt - Date.now())).then((finished) => {
      if (!finished) maximumReached = true;
    });
  }

  const open: SlaStageHandle[] = [];
  const stage = async (name: string, workingDays: number, responsible: Responsible, from?: LocalDate) => {
    const handle = await clock.open({ process: 'repair', stage: name, article: 'Art. 21', workingDays, responsible }, from);
    open.push(handle);
    return handle;
  };
  const close = async (handle: SlaStageHandle) => {
    if (!open.includes(handle)) return;
    open.splice(open.indexOf(handle), 1);
    await clock.close(handle);
  };
  const progress = () => repairs.recordRepairProgress({ repairId: input.repairId, view: { state: view.state, instalments: view.instalments }, obligationUnmet: view.obligationUnmet });
  /** Opens a task and waits for its decision, unless `stop` comes first (the task is then cancelled). */
  const decided = async (spec: TaskSpec, stop: () => boolean = stopped): Promise<TaskCompletion | undefined> => {
    const taskId = await tasks.open(spec);
    view.openTaskId = taskId;
    const completion = await tasks.decision(taskId, stop);
    view.openTaskId = null;
    if (!completion) await tasks.cancel(taskId);
    return completion;
  };
  /** The agency confirms evidence, on its own clock (from `from`, default today). */
  const confirmation = async (kind: string, asks: Wording, allowedDecisions: string[], extra: Partial<TaskSpec> = {}, from?: LocalDate) => {
    const handle = await stage('agency-confirmation', filed.clocks.confirmationWorkingDays, agency, from);
    const completion = await decided({ kind, role: 'agency', agencyId: filed.deciderId, subject: input.repairId, asks, stage: handle, allowedDecisions, context, ...extra });
    await close(handle);
    return completion;
  };
  const finish = async (state: 'rejected' | 'withdrawn' | 'expired' | 'moot', reasons: string, decidedBy: string | null, keepsCounting = false): Promise<RepairView> => {
    await repairs.closeRepair({ repairId: input.repairId, workflowId, state, reasons, decidedBy, at: new Date().toISOString(), ...(keepsCounting ? { keepsCounting } : {}) });
    for (const handle of [...open]) await close(handle);
    view.state = state;
    details.end(REPAIR_WORDING.closed(state));
    return view;
  };
  /** The repair stopped before a decision: withdrawn, or the record's maximum period ended. */
  const stop = async (): Promise<RepairView> => {
    if (withdrawn) return finish('withdrawn', 'Withdrawn by the applicant', input.filedBy);
    const ended = `The record's maximum period ended on ${filed.maximumEndsOn}: it no longer counts`;
    if (!view.obligationUnmet) return finish('moot', ended, null);
    // The agency found the obligation unmet: its sector rules decide, not the lapse of time.
    for (const handle of [...open]) await close(handle);
    const sector = await stage('agency-decision', filed.clocks.agencyWorkingDays, agency);
    const ruling = await decided(
      {
        kind: 'repair-sector-decision',
        role: 'agency',
        agencyId: filed.deciderId,
        subject: input.repairId,
        asks: REPAIR_WORDING.sectorDecision,
        stage: sector,
        allowedDecisions: ['close-moot', 'reject'],
        context: { ...context, maximumEndsOn: filed.maximumEndsOn },
      },
      () => withdrawn,
    );
    if (!ruling) return finish('withdrawn', 'Withdrawn by the applicant', input.filedBy);
    // Rejected under the sector rules, the record counts on past its period: the decision is what happens.
    return ruling.decision === 'close-moot'
      ? finish('moot', `${ended}; ${ruling.reasons}`, ruling.actor.subject)
      : finish('rejected', `${ended}; ${ruling.reasons}`, ruling.actor.subject, true);
  };

  const gathered = await gather();
  details.over('evidence');
  if (gathered === 'stopped') return stop();
  if (gathered !== 'complete') return finish(gathered.state, gathered.reasons, gathered.decidedBy);

  // A complete application: the platform's clock runs from today, and NDRC checks it.
  view.state = 'checking';
  await progress();
  const supplied: Evidence[] = [];
  for (let request = 1; ; request += 1) {
    const platform = await stage('platform-result', filed.clocks.platformWorkingDays, { role: 'ndrc' });
    // 0.3.0: NDRC may ask for what is missing instead of ending the repair; a task opened before offered only complete or incomplete.
    const supplementable = patched(COMPLETENESS_ASKS_SUPPLEMENT);
    const check = await decided({
      kind: 'repair-completeness',
      role: 'ndrc',
      subject: input.repairId,
      asks: REPAIR_WORDING.completeness(filed.deciderId),
      stage: platform,
      allowedDecisions: supplementable ? ['complete', 'request-supplement', 'incomplete'] : ['complete', 'incomplete'],
      context: supplied.length > 0 ? { ...context, evidence: supplied } : context,
    });
    if (!check) return stop();
    if (check.decision === 'incomplete') return finish('rejected', check.reasons, check.actor.subject);
    if (check.decision === 'complete') break;
    // Asked for within the platform's clock, which stops: a new one runs from the supplied application.
    await close(platform);
    const { until, evidence } = await supplement(request, check.reasons);
    if (stopped()) return stop();
    if (!evidence) return finish('rejected', `What was missing was not supplied by ${until}: ${check.reasons}`, null);
    supplied.push(...evidence);
    view.state = 'checking';
    await repairs.recordRepairSupplement({ repairId: input.repairId, request, evidence, at: new Date().toISOString() });
  }

  // Forwarded: the agency's 3 working days run from its receipt.
  view.state = 'deciding';
  await progress();
  const verdictStage = await stage('agency-decision', filed.clocks.agencyWorkingDays, agency);
  const verdict = await decided({
    kind: 'repair-decision',
    role: 'agency',
    agencyId: filed.deciderId,
    subject: input.repairId,
    asks: REPAIR_WORDING.decision,
    stage: verdictStage,
    allowedDecisions: ['approve', 'reject'],
    context,
  });
  if (!verdict) return stop();
  deciding = true;
  if (verdict.decision === 'reject') return finish('rejected', verdict.reasons, verdict.actor.subject);
  const approved = await repairs.approveRepair({ repairId: input.repairId, workflowId, reasons: verdict.reasons, decidedBy: verdict.actor.subject, at: new Date().toISOString() });
  for (const handle of [...open]) await close(handle);
  if (approved.state === 'approved') await requestRescoring([input.personId], 'repair-approved');
  view.state = approved.state;
  details.end(REPAIR_WORDING.closed(approved.state));
  return view;

  /** Asks the applicant for what is missing and waits for it to the last day the rules give (`until`): the evidence, unless it never came or the repair stopped. */
  async function supplement(request: number, missing: string): Promise<{ until: LocalDate; evidence?: Evidence[] }> {
    const until = addDays(shanghaiDayOf(new Date()), filed!.clocks.supplementDays ?? SUPPLEMENT_DAYS);
    view.state = 'supplementing';
    suppliedNow = undefined;
    await repairs.askRepairSupplement({ repairId: input.repairId, workflowId, request, missing, until, at: new Date().toISOString() });
    details.waitFor('supplement', { who: { role: 'applicant' }, what: REPAIR_WORDING.supplement, until: startOfShanghaiDay(addDays(until, 1)) });
    await condition(() => suppliedNow !== undefined || stopped(), Math.max(1, startOfShanghaiDay(addDays(until, 1)).getTime() - Date.now()));
    details.over('supplement');
    return { until, ...(suppliedNow && !stopped() ? { evidence: suppliedNow } : {}) };
  }

  /** The agency confirms the legal obligation met; found unmet, the applicant meets it and reports it again, until the maximum period. */
  async function obligationMet(): Promise<'complete' | 'stopped'> {
    for (;;) {
      const confirmed = await confirmation('repair-performance', REPAIR_WORDING.confirmPerformance, ['met', 'not-met']);
      if (!confirmed) return 'stopped';
      if (confirmed.decision === 'met') return 'complete';
      // Still unmet: the repair waits for the applicant to report it met, or for the maximum period.
      view.obligationUnmet = true;
      performanceReported = false;
      await progress();
      details.waitFor('performance', {
        who: { role: 'applicant' },
        what: REPAIR_WORDING.reportPerformance,
        ...(filed!.maximumEndsOn ? { until: startOfShanghaiDay(filed!.maximumEndsOn) } : {}),
      });
      await condition(() => performanceReported || stopped());
      details.over('performance');
      if (stopped()) return 'stopped';
      await progress();
    }
  }

  /** The route's evidence, waited for durably. */
  async function gather(): Promise<Gathered> {
    if (terms.route === 'performance') return obligationMet();
    if (terms.route === 'deferral') {
      const grant = await confirmation('repair-deferral', REPAIR_WORDING.deferral, ['grant', 'refuse'], {
        scheduleFor: { decisions: ['grant'], maxDays: terms.maxInstalments, after: shanghaiDayOf(new Date()) },
      });
      if (!grant) return 'stopped';
      if (grant.decision === 'refuse') return { state: 'rejected', reasons: grant.reasons, decidedBy: grant.actor.subject };
      view.instalments = grant.schedule!.map((dueOn, i) => ({ dueOn, state: 'due', ...(grant.amountsYuan ? { amountYuan: grant.amountsYuan[i]! } : {}) }));
      await progress();
      for (const instalment of view.instalments) {
        // Each instalment is confirmed by the agency, its clock running from the instalment's due day.
        const paid = await confirmation(
          'repair-instalment',
          REPAIR_WORDING.instalment(instalment.dueOn),
          ['paid', 'missed'],
          { context: { ...context, dueOn: instalment.dueOn, ...(instalment.amountYuan ? { amountYuan: instalment.amountYuan } : {}) } },
          instalment.dueOn,
        );
        if (!paid) return 'stopped';
        instalment.state = paid.decision === 'paid' ? 'paid' : 'missed';
        if (paid.decision === 'missed') view.obligationUnmet = true;
        await progress();
        if (paid.decision === 'missed') return { state: 'rejected', reasons: `The instalment due on ${instalment.dueOn} was missed: ${paid.reasons}`, decidedBy: paid.actor.subject };
      }
      return 'complete';
    }
    // A run continued as new was past this point in its first run.
    if (!input.carried && patched(CIVIC_ROUTES_NEED_OBLIGATION_MET) && (await obligationMet()) === 'stopped') return 'stopped';
    const until = windowEnd(filed!.filedOn, terms)!;
    const untilAt = startOfShanghaiDay(until).getTime();
    if ('threshold' in terms) {
      details.waitFor('evidence', {
        who: { role: 'applicant' },
        what: REPAIR_WORDING.civicThreshold(terms),
        until: new Date(untilAt),
      });
    }
    for (;;) {
      for (let evidence = arrived.shift(); evidence; evidence = arrived.shift()) {
        // Once per event, whatever the feed replays; only the route's kind, within its window.
        if (counted.has(evidence.eventId) || evidence.kind !== terms.route || evidence.occurredOn < filed!.filedOn || evidence.occurredOn >= until) continue;
        counted.add(evidence.eventId);
        try {
          view.progress = await repairs.countCivicEvidence({ repairId: input.repairId, evidence, at: new Date().toISOString() });
        } catch (error) {
          // An event that cannot be counted for good (data Postgres refuses) is refused, not the repair.
          const refused = refusalOf(error);
          if (!refused) throw error;
          log.warn('civic evidence refused', { eventId: evidence.eventId, reason: refused.message });
        }
      }
      if ('threshold' in terms && view.progress >= terms.threshold) return 'complete';
      if (stopped()) return 'stopped';
      // Nothing is open while evidence is gathered (no task, no clock): a quiet point to start afresh.
      if (historyIsLong() && patched(CONTINUE_LONG_GATHERING)) {
        const { carried: _, ...application } = input;
        await continueAsNew<typeof repairWorkflow>({ ...application, carried: { filed: { ...filed!, evidence: [] }, progress: view.progress } });
      }
      if (!(await condition(() => arrived.length > 0 || stopped(), Math.max(1, untilAt - Date.now())))) {
        const short = 'threshold' in terms ? `${view.progress} of ${terms.threshold} ${terms.unit}` : `${view.progress}`;
        return { state: 'expired', reasons: `The window ended on ${addDays(until, -1)} with ${short}`, decidedBy: null };
      }
    }
  }
}
