// The worker's workflow bundle: every workflow type the platform runs. Each is exported under
// the type name its process's contract gives callers (test/unit/layout.test.ts holds them to it).
export { agencyRegistrationWorkflow } from './agencies/registration';
export { agreementWorkflow } from './agreement/agreement';
export { agreementTextWorkflow } from './agreement/text';
export { partnerCityWorkflow } from './attestation/partner-city';
export { authorizationWorkflow } from './authorization/authorization';
export { queryPurposeWorkflow } from './authorization/purpose';
export { bulkIntakeWorkflow } from './bulk-intake/batch';
export { calendarChangeWorkflow } from './calendar/change';
export { civicBatchWorkflow } from './civic-feed/batch';
export { civicEventWorkflow } from './civic-feed/event';
export { declarationWorkflow } from './declaration/declaration';
export { declarationRouteWorkflow } from './declaration/route';
export { incentiveDefinitionWorkflow } from './incentive/definition';
export { objectionWorkflow } from './objection/objection';
export { recordChangeWorkflow } from './records/change';
export { registerUpkeepWorkflow } from './register/upkeep';
export { recordSharingWorkflow } from './records/sharing';
export { repairWorkflow } from './repair/repair';
export { repairRulesWorkflow } from './repair/rules';
export { nightlyRescoringWorkflow, rescoringRunWorkflow } from './scoring/rescoring-run';
export { rescorePersonWorkflow } from './scoring/rescore-person';
export { rescoreRequestsWorkflow } from './scoring/rescore-requests';
export { scoreModelWorkflow } from './scoring/score-model';
