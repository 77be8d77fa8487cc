import type { RouteTerms } from '../../domain/repair';
import type { Wording } from '../shared/contract';
import { REPAIR_ROUTE_WORDS, type RepairState } from './contract';

const CLOSED: Partial<Record<RepairState, Wording>> = {
  approved: { zh: '已办结：准予信用修复', en: 'Closed: the repair is approved' },
  rejected: { zh: '已办结：不予信用修复', en: 'Closed: the repair is rejected' },
  withdrawn: { zh: '申请人已撤回申请', en: 'Withdrawn by the applicant' },
  expired: { zh: '已办结：期限内未达到修复条件', en: "Closed: the route's window ended short of its threshold" },
  moot: { zh: '已办结：最长公示期届满，该信息不再计入', en: "Closed: the record's maximum period ended, it no longer counts" },
};

const UNITS: Record<'hours' | 'yuan' | 'events', Wording> = {
  hours: { zh: '小时', en: 'hours' },
  yuan: { zh: '元', en: 'yuan' },
  events: { zh: '次', en: 'events' },
};

/**
 * What a repair tells its reviewers (a task's `asks`), its applicant and supervisors (the
 * workflow's current details), in both languages: kept here so the process reads as steps.
 * Task wording is an activity input, so a change to it changes no workflow command.
 */
export const REPAIR_WORDING = {
  closed: (state: RepairState): Wording => CLOSED[state] ?? { zh: `已结束：${state}`, en: `Closed: ${state}` },
  refusedAtFiling: { zh: '未受理：申请不符合信用修复条件', en: 'Not filed: the application was refused at filing' },
  sectorDecision: { zh: '按本行业规定作出决定（最长公示期已届满，义务仍未履行）', en: 'decide under its sector rules (the maximum period ended with the obligation unmet)' },
  completeness: (deciderId: string): Wording => ({
    zh: `核查申请材料是否齐全，齐全的转交机构 ${deciderId}`,
    en: `check that the application is complete and forward it to agency ${deciderId}`,
  }),
  decision: { zh: '作出信用修复决定', en: 'decide the repair' },
  supplement: { zh: '补正申请材料', en: 'supply the missing materials' },
  confirmPerformance: { zh: '确认申请人是否已履行义务', en: 'confirm whether the applicant has met the obligation' },
  reportPerformance: { zh: '履行义务后再次报告', en: 'meet the obligation and report it met' },
  deferral: { zh: '决定是否准予延期或分期履行', en: 'decide whether to grant a deferral or instalments' },
  instalment: (dueOn: string): Wording => ({ zh: `确认 ${dueOn} 到期的一期是否已履行`, en: `confirm whether the instalment due on ${dueOn} was paid` }),
  civicThreshold: (terms: Extract<RouteTerms, { threshold: number }>): Wording => {
    const route = REPAIR_ROUTE_WORDS[terms.route];
    const unit = UNITS[terms.unit];
    return {
      zh: `以${route.zh}累计达到 ${terms.threshold} ${unit.zh}（由文明行为数据库报送）`,
      en: `reach ${terms.threshold} ${unit.en} of ${route.en} (fed by the civilised-behaviour database)`,
    };
  },
} as const;
