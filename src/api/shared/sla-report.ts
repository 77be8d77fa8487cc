import type { LocalDate } from '../../domain/working-days';

/** The SLA board's report (src/api/supervision), as the pages read it through the API. */
/** How the stages due in a period ended, or stand: the four figures of the SLA board. */
export interface SlaFigures {
  /** Finished by their due time. */
  metOnTime: number;
  /** Finished after it (late work is still accepted, and counted as late). */
  metLate: number;
  /** Not finished, past their due time. */
  breached: number;
  /** Not finished, still within their time. */
  open: number;
  /** Stopped because their process failed for good (never counted as open or breached). */
  failed: number;
}

export interface SlaReportRow extends SlaFigures {
  /** The agency answering for the stages, or null for the platform's own (NDRC's) stages. */
  agencyId: string | null;
  process: string;
}

export interface SlaReport {
  from: LocalDate;
  to: LocalDate;
  rows: SlaReportRow[];
  /** The same figures per due day, for the trend. */
  trend: (SlaFigures & { day: LocalDate })[];
}

/** Where the supervisors' Temporal Web UI is, and the namespace the platform's workflows run in. */
export interface WebUi {
  url: string;
  namespace: string;
}
