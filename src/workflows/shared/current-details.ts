import { setCurrentDetails } from '@temporalio/workflow';
import type { SlaState } from '../../domain/sla';
import { shanghaiTimeOf } from '../../domain/working-days';
import { partyWording, type Party, type Wording } from './contract';

/** A clocked stage as the SLA clock keeps it up to date (an `SlaStageHandle`). */
interface ClockedStage {
  readonly dueAt: Date;
  readonly state: SlaState;
  readonly provisional: boolean;
}

/** Something a workflow waits for. */
export interface Wait {
  /** Who is to act. Without one, `what` names the event awaited. */
  who?: Party;
  /** What they are to do, as a verb phrase (`核查、处理异议` / `verify and handle the objection`), or the event awaited. */
  what: Wording;
  /** Until when: a clocked stage, whose due time and state follow the SLA clock, or an instant. */
  until?: ClockedStage | Date;
}

const STAGE_STATE: Record<SlaState, Wording> = {
  'on-track': { zh: '未逾期', en: 'not overdue' },
  'due-soon': { zh: '即将到期，尚未逾期', en: 'due soon, not overdue yet' },
  breached: { zh: '已逾期', en: 'overdue: the deadline has passed' },
  met: { zh: '已按时完成', en: 'met on time' },
};

const PROVISIONAL: Wording = { zh: '（该年度工作日安排尚未公布，期限暂定）', en: " (provisional: that year's working-day calendar is not published yet)" };

const LATIN = /[A-Za-z0-9]/;
const HAN = /\p{Script=Han}/u;

/** Chinese runs on without spaces, but an id or a date in Latin letters and digits is set apart from the characters around it. */
function joinZh(...parts: string[]): string {
  return parts
    .filter((part) => part !== '')
    .reduce((text, part) => {
      const before = text.at(-1) ?? '';
      const after = part[0] ?? '';
      const apart = (LATIN.test(before) && HAN.test(after)) || (HAN.test(before) && LATIN.test(after));
      return apart ? `${text} ${part}` : text + part;
    });
}

function sentence({ who, what, until }: Wait): Wording {
  const party = who && partyWording(who);
  let zh = party ? joinZh('等待', party.zh, what.zh) : joinZh('等待', what.zh);
  let en = party ? `Waiting for ${party.en} to ${what.en}` : `Waiting for ${what.en}`;
  if (until && 'dueAt' in until) {
    const state = STAGE_STATE[until.state];
    zh = joinZh(zh, '，期限', shanghaiTimeOf(until.dueAt), '（上海时间），', state.zh, until.provisional ? PROVISIONAL.zh : '');
    en += `, due ${shanghaiTimeOf(until.dueAt)} (Shanghai time): ${state.en}${until.provisional ? PROVISIONAL.en : ''}`;
  } else if (until) {
    zh = joinZh(zh, '，至', shanghaiTimeOf(until), '（上海时间）');
    en += `, until ${shanghaiTimeOf(until)} (Shanghai time)`;
  }
  return { zh: `${zh}。`, en: `${en}.` };
}

/**
 * What a workflow is waiting for, from whom and until when, in plain words (Chinese, then
 * English), kept as its current details: the Temporal Web UI's "Current Details" and
 * `temporal workflow metadata` show them. The SDK serves them through its built-in metadata
 * query, so setting them is replay-safe and adds nothing to the history. One per workflow run:
 * the human tasks show each open task, the SLA clock shows its stages' due times and states
 * again whenever they change, and a process shows its own waits (evidence, an applicant).
 */
export class CurrentDetails {
  private readonly waits = new Map<string, Wait>();
  private standing: Wording | undefined;

  /** Shows a wait under `key`, in place of what was shown under it. */
  waitFor(key: string, wait: Wait): void {
    this.waits.set(key, wait);
    this.show();
  }

  /** The wait under `key` is over. */
  over(key: string): void {
    if (this.waits.delete(key)) this.show();
  }

  /** Where the process stands, shown above its waits. */
  say(standing: Wording): void {
    this.standing = standing;
    this.show();
  }

  /** The workflow ends: nothing is awaited any more, and its last details say how it ended. */
  end(outcome: Wording): void {
    this.waits.clear();
    this.say(outcome);
  }

  /** Shows the waits again: a stage's due time or state changed (the SLA clock calls it). */
  refresh(): void {
    this.show();
  }

  private show(): void {
    const lines = [...(this.standing ? [this.standing] : []), ...[...this.waits.values()].map(sentence)];
    // Paragraphs: the Web UI renders the details as markdown, the CLI prints them as they are.
    setCurrentDetails(lines.flatMap((line) => [line.zh, line.en]).join('\n\n'));
  }
}
