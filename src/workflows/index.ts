// The worker's workflow bundle: every workflow type the platform runs.
export { calendarChangeWorkflow } from './calendar';
