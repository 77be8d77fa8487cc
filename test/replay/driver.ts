import type { WorkflowHandle } from '@temporalio/client';
import { PlatformDriver } from '../support/platform-driver';
import type { CaptureBed, CapturedHistory } from './capture-bed';

export { AGENCIES, type Resident } from '../support/platform-driver';

type SlaCondition = 'due-soon' | 'breached';

/** The capture's driver: the platform's users, plus the waiting points to store as the clock moves. */
export class Driver extends PlatformDriver {
  readonly saved: CapturedHistory[] = [];
  private readonly watched: { workflowId: string; condition: SlaCondition; point: string }[] = [];

  constructor(readonly bed: CaptureBed) {
    super(bed);
  }

  async save(handle: WorkflowHandle | string, point: string): Promise<void> {
    const captured = await this.bed.save(handle, point);
    this.saved.push(captured);
    process.stderr.write(`  ${captured.workflowType.padEnd(30)} ${point} (${captured.events} events)\n`);
  }

  /** Stores the workflow's history the first time one of its SLA stages is `condition` after the clock moves. */
  when(workflowId: string, condition: SlaCondition, point: string): void {
    this.watched.push({ workflowId, condition, point });
  }

  /** Moves the clock a day at a time for `days` days, storing each watched waiting point as it is reached. */
  async passDays(days: number): Promise<void> {
    for (let day = 0; day < days; day += 1) {
      await this.bed.skip('1 day');
      for (const watch of [...this.watched]) {
        const stages = await this.bed.pool.query('SELECT 1 FROM sla_stages WHERE workflow_id = $1 AND finished_at IS NULL AND state = $2', [watch.workflowId, watch.condition]);
        if (stages.rowCount === 0) continue;
        this.watched.splice(this.watched.indexOf(watch), 1);
        await this.save(watch.workflowId, watch.point);
      }
    }
    if (this.watched.length > 0) throw new Error(`never reached: ${this.watched.map((watch) => watch.point).join(', ')}`);
  }
}
