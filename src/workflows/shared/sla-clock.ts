import { condition, proxyActivities, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { SlaActivities } from '../../activities/shared/sla';
import { headlineStage, type SlaStageSpec, type SlaState } from '../../domain/sla';
import type { LocalDate } from '../../domain/working-days';
import { databaseStepOptions } from './activity-options';
import { AgencyKey, calendarChangedSignal, CreditProcessKey, SlaDueAtKey, SlaStageKey, SlaStateKey } from './contract';
import type { CurrentDetails } from './current-details';

const sla = proxyActivities<SlaActivities>(databaseStepOptions);

interface Stage {
  readonly key: string;
  readonly spec: SlaStageSpec;
  state: SlaState;
  dueAt: Date;
  remindAt: Date;
  provisional: boolean;
  closed: boolean;
  /** An activity of this stage is under way; closing waits for it so rows are written in order. */
  busy: boolean;
}

/** What a workflow holds of one of its open stages. */
export interface SlaStageHandle {
  readonly key: string;
  readonly state: SlaState;
  readonly dueAt: Date;
  readonly provisional: boolean;
}

/**
 * The one SLA mechanism every clocked workflow uses (DESIGN.md "SLA stage"). Create one per
 * workflow run, before the first `await`, so it can receive `calendarChanged` at any time.
 * Each open stage reminds one working day before its due time, flags and escalates a breach
 * and stays open, closes as met or breached, and follows calendar changes; the workflow's
 * search attributes always show its most urgent stage, and its current details the due time
 * and state of each stage it waits on.
 */
export class SlaClock {
  private readonly stages: Stage[] = [];
  private calendarVersion = 0;

  constructor(private readonly details: CurrentDetails) {
    setHandler(calendarChangedSignal, () => {
      this.calendarVersion += 1;
    });
  }

  /** Opens a stage whose working days count from `startDay` (default: today in Asia/Shanghai). */
  async open(spec: SlaStageSpec, startDay?: LocalDate): Promise<SlaStageHandle> {
    const key = uuid4();
    const times = await sla.openSlaStage({
      stageKey: key,
      workflowId: workflowInfo().workflowId,
      spec,
      startedAt: new Date().toISOString(),
      ...(startDay ? { startDay } : {}),
    });
    const stage: Stage = {
      key,
      spec,
      state: 'on-track',
      dueAt: new Date(times.dueAt),
      remindAt: new Date(times.remindAt),
      provisional: times.provisional,
      closed: false,
      busy: false,
    };
    this.stages.push(stage);
    this.publish();
    void this.watch(stage);
    return stage;
  }

  /** Closes a stage when its work is done; returns whether it was met on time. */
  async close(handle: SlaStageHandle): Promise<'met' | 'breached'> {
    const stage = this.stages.find((s) => s.key === handle.key);
    if (!stage) throw new Error(`Unknown SLA stage ${handle.key}`);
    await condition(() => !stage.busy);
    stage.closed = true;
    stage.state = await sla.closeSlaStage({ stageKey: stage.key, at: new Date().toISOString() });
    this.publish();
    return stage.state;
  }

  private async watch(stage: Stage): Promise<void> {
    let seenCalendar = this.calendarVersion;
    while (!stage.closed) {
      const now = Date.now();
      if (seenCalendar !== this.calendarVersion) {
        seenCalendar = this.calendarVersion;
        await this.step(stage, async () => {
          const times = await sla.rescheduleSlaStage({ stageKey: stage.key, at: new Date(now).toISOString() });
          stage.dueAt = new Date(times.dueAt);
          stage.remindAt = new Date(times.remindAt);
          stage.provisional = times.provisional;
          stage.state = times.state;
        });
      } else if (stage.state === 'on-track' && now >= stage.remindAt.getTime()) {
        await this.step(stage, async () => {
          await sla.remindSlaStage({ stageKey: stage.key, at: new Date(now).toISOString() });
          stage.state = 'due-soon';
        });
      } else if (stage.state !== 'breached' && now >= stage.dueAt.getTime()) {
        await this.step(stage, async () => {
          await sla.breachSlaStage({ stageKey: stage.key, at: new Date(now).toISOString() });
          stage.state = 'breached';
        });
      } else {
        const next = stage.state === 'on-track' ? stage.remindAt : stage.state === 'due-soon' ? stage.dueAt : undefined;
        const woken = () => stage.closed || seenCalendar !== this.calendarVersion;
        if (next) await condition(woken, next.getTime() - now);
        else await condition(woken);
      }
    }
  }

  private async step(stage: Stage, work: () => Promise<void>): Promise<void> {
    if (stage.closed) return;
    stage.busy = true;
    try {
      await work();
    } finally {
      stage.busy = false;
    }
    this.publish();
  }

  /**
   * Shows supervisors in the Web UI the most urgent open stage (or the last closed one) in the
   * search attributes, and each awaited stage's due time and state in the current details.
   */
  private publish(): void {
    this.details.refresh();
    const open = this.stages.filter((s) => !s.closed);
    const shown = headlineStage(open) ?? this.stages[this.stages.length - 1];
    if (!shown) return;
    upsertSearchAttributes([
      { key: CreditProcessKey, value: shown.spec.process },
      { key: SlaStageKey, value: shown.spec.stage },
      { key: SlaDueAtKey, value: shown.dueAt },
      { key: SlaStateKey, value: shown.state },
      { key: AgencyKey, value: shown.spec.responsible.agencyId ?? null },
    ]);
  }
}
