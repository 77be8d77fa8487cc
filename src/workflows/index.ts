// The worker's workflow bundle: every workflow type the platform runs.
export { agencyRegistrationWorkflow } from './agency-registration';
export { calendarChangeWorkflow } from './calendar';
export { objectionWorkflow } from './objection';
export { recordBatchWorkflow } from './record-batch';
export { recordChangeWorkflow } from './record-change';
export { recordSharingWorkflow } from './record-sharing';
export { nightlyRescoringWorkflow, rescoreFullWorkflow } from './rescore-full';
export { rescorePersonWorkflow } from './rescore-person';
export { scoreModelWorkflow } from './score-model';
