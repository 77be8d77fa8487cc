import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RepairRoute, RepairRules, RouteTerms } from '../../domain/repair';
import type { Evidence } from '../../domain/record';
import type { LocalDate } from '../../domain/working-days';
import { partyWording, workflowSummary, type Wording, type RefusalAnswers } from '../shared/contract';

/**
 * Credit repair (Art. 21; NDRC Order No. 36): a person applies to repair one of their negative
 * records by a route; the route's evidence is gathered, NDRC checks the complete application and
 * forwards it, and the agency that made the finding decides.
 */

export const repairWorkflowType = 'repairWorkflow';

export function repairWorkflowId(repairId: string): string {
  return `repair/${repairId}`;
}

/** The routes of Art. 21 in words. */
export const REPAIR_ROUTE_WORDS: Record<RepairRoute, Wording> = {
  performance: { zh: '主动履行', en: 'subsequent performance' },
  deferral: { zh: '申请延期', en: 'deferral' },
  volunteering: { zh: '志愿服务', en: 'volunteering' },
  donation: { zh: '慈善捐赠', en: 'charitable donation' },
  'civilised-practice': { zh: '文明实践', en: 'civilised practice' },
};

/** A repair's summary: its route, and the agency that decides it when the record is known to be its. */
export function repairSummary(route: RepairRoute, deciderId?: string): string {
  const by = deciderId ? [partyWording({ role: 'agency', agencyId: deciderId })] : [];
  return workflowSummary({ zh: '信用修复', en: 'Credit repair' }, REPAIR_ROUTE_WORDS[route], ...by);
}

export interface RepairInput {
  repairId: string;
  personId: string;
  recordId: string;
  route: RepairRoute;
  /** The version of the credit commitment the applicant signed (GET /repairs/eligibility shows the current text). */
  commitmentVersion: string;
  filedBy: string;
  /** Set only by the repair itself when it continues as new while gathering civic evidence: where it stood. */
  carried?: CarriedRepair;
}

/**
 * What a repair gathering civic evidence carries into its next run: the filing (never run
 * again), the progress so far and the evidence received but not yet counted. Events counted in an
 * earlier run and sent again are counted once by the store (keyed by event id).
 */
export interface CarriedRepair {
  filed: {
    deciderId: string;
    terms: RouteTerms;
    filedOn: LocalDate;
    maximumEndsOn: LocalDate | null;
    clocks: RepairRules['clocks'];
    evidence: CivicEvidence[];
  };
  progress: number;
}

/**
 * `collecting` the route's evidence; `checking` (NDRC, the complete application); `supplementing`
 * (NDRC found something missing: the applicant supplies it, or the repair ends); `deciding` (the
 * agency). Closed: `approved`, `rejected`, `withdrawn`, `expired` (the route's window ended short of
 * its threshold), `moot` (the record's maximum period ended first), `refused` (never filed).
 */
export type RepairState = 'collecting' | 'checking' | 'supplementing' | 'deciding' | 'approved' | 'rejected' | 'withdrawn' | 'expired' | 'moot' | 'refused';

export interface RepairView {
  state: RepairState;
  terms: RouteTerms | null;
  /** Toward a civic route's threshold: hours, yuan or events counted so far. */
  progress: number;
  /** A deferral's instalments, once granted, with what each one pays when the grant says. */
  instalments: { dueOn: LocalDate; state: 'due' | 'paid' | 'missed'; amountYuan?: number }[];
  openTaskId: string | null;
  /** The agency found the obligation still unmet (performance route); the applicant may report it met. */
  obligationUnmet: boolean;
}

export type RepairWorkflow = (input: RepairInput) => Promise<RepairView>;

/** Answers once the repair is filed, or fails with the rule that refused it (update-with-start). */
export const fileRepairUpdate = defineUpdate<RepairView>('fileRepair');
/** The applicant withdraws before the agency decides. */
export const withdrawRepairUpdate = defineUpdate<RepairView, [{ personId: string }]>('withdrawRepair');
export const repairQuery = defineQuery<RepairView>('repair');
/**
 * The applicant reports the obligation met after the agency found it still unmet (performance
 * route): the agency is asked to confirm again.
 */
export const reportPerformanceUpdate = defineUpdate<RepairView, [{ personId: string }]>('reportPerformance');

/** The applicant supplies what the completeness check found missing: the application is checked again. */
export const supplyRepairUpdate = defineUpdate<RepairView, [{ personId: string; evidence: Evidence[] }]>('supplyRepair');

/** A civilised-behaviour event for the applicant, routed by the civic feed to their open repairs. */
export interface CivicEvidence {
  eventId: string;
  kind: 'volunteering' | 'donation' | 'civilised-practice';
  amount: number;
  occurredOn: LocalDate;
}
export const civicEvidenceSignal = defineSignal<[CivicEvidence]>('civicEvidence');

/** The application breaks a repair rule (the message names it, and for time the day one may apply). */
export const REPAIR_INELIGIBLE = 'RepairIneligible';
/** The route is not open to the record's tier. */
export const ROUTE_NOT_OPEN = 'RouteNotOpen';
/** The commitment signed is not the current one, or none was signed. */
export const COMMITMENT_MISSING = 'CommitmentMissing';
/** The record already has an open repair; the message names it. */
export const REPAIR_OPEN = 'RepairOpen';
/** Performance is reported again while the agency has not found it unmet. */
export const NOT_AWAITING_PERFORMANCE = 'NotAwaitingPerformance';
/** Materials are supplied while NDRC has asked for none. */
export const NOT_AWAITING_SUPPLEMENT = 'NotAwaitingSupplement';
/** The repair is already decided, closed or being decided. */
export const REPAIR_CLOSED = 'RepairClosed';

export const repairRulesWorkflowType = 'repairRulesWorkflow';

export function repairRulesWorkflowId(publicationId: string): string {
  return `repair-rules/${publicationId}`;
}

export function repairRulesSummary(): string {
  return workflowSummary({ zh: '发布信用修复条件', en: 'Repair conditions published' });
}

/**
 * NDRC publishes new repair conditions (Order 36 leaves thresholds and windows to the city): they
 * become the next version, in force for applications filed from their effective day (today when
 * none is given).
 */
export interface RepairRulesPublication {
  publicationId: string;
  definition: RepairRules;
  description: string;
  publishedBy: string;
  effectiveFrom?: LocalDate;
}

/**
 * A published version: in force (`active`, with the version it retired), `scheduled` for its
 * effective day, or `retired` on that day without coming into force, because a version published
 * after it already was (the later publication wins).
 */
export interface PublishedRepairRules {
  version: number;
  status: 'active' | 'scheduled' | 'retired';
  effectiveFrom: LocalDate;
  retired: number | null;
}

/** Answers once the version is recorded, before a later effective day is waited for (update-with-start). */
export const publishedRepairRulesUpdate = defineUpdate<PublishedRepairRules>('publishedRepairRules');

export type RepairRulesWorkflow = (publication: RepairRulesPublication) => Promise<PublishedRepairRules | { version: number; retired: number | null }>;

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const REPAIR_REFUSALS: RefusalAnswers = {
  [REPAIR_INELIGIBLE]: { status: 422, code: 'repair-ineligible' },
  [ROUTE_NOT_OPEN]: { status: 422, code: 'route-not-open' },
  [COMMITMENT_MISSING]: { status: 422, code: 'commitment-missing' },
  [REPAIR_OPEN]: { status: 409, code: 'repair-open' },
  [NOT_AWAITING_PERFORMANCE]: { status: 409, code: 'not-awaiting-performance' },
  [NOT_AWAITING_SUPPLEMENT]: { status: 409, code: 'not-awaiting-supplement' },
  [REPAIR_CLOSED]: { status: 409, code: 'repair-closed' },
};
