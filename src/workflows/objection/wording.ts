import type { Wording } from '../shared/contract';
import type { ObjectionOutcome, ObjectionTarget } from './contract';

const OUTCOMES: Record<ObjectionOutcome, Wording> = {
  uphold: { zh: '维持原信息', en: 'upheld' },
  correct: { zh: '予以更正', en: 'corrected' },
  remove: { zh: '予以删除', en: 'removed' },
};

/**
 * What an objection tells its reviewers (a task's `asks`) and supervisors (the workflow's
 * current details), in both languages: kept here so the process reads as steps. Task wording is
 * an activity input, so a change to it changes no workflow command.
 */
export const OBJECTION_WORDING = {
  refusedAtFiling: { zh: '未受理：异议未能登记', en: 'Not filed: the objection was refused at filing' },
  triage: (sharerId: string | null): Wording => ({
    zh: `决定自行处理异议，或转交机构 ${sharerId} 核查`,
    en: `decide whether to handle the objection itself or forward it to agency ${sharerId}`,
  }),
  verification: { zh: '核查、处理转来的异议', en: 'verify and handle the forwarded objection' },
  decision: (target: ObjectionTarget['kind']): Wording =>
    target === 'score' ? { zh: '审核、处理对积分的异议', en: 'review and decide the objection to the score' } : { zh: '审核、处理异议', en: 'review and decide the objection' },
  withdrawn: { zh: '申请人已撤回异议', en: 'Withdrawn by the applicant' },
  decided: (by: Wording, outcome: ObjectionOutcome): Wording => ({ zh: `已办结（${by.zh}）：${OUTCOMES[outcome].zh}`, en: `Decided by ${by.en}: ${OUTCOMES[outcome].en}` }),
} as const;
