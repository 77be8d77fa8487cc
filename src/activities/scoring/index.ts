import type pg from 'pg';
import { createModelActivities } from './models';
import { createRescoreRequestActivities } from './requests';
import { createRescoringActivities } from './rescoring';

/** Activities of scoring (Art. 4, 6, 13, 14). */
export function createScoringActivities(deps: { pool: pg.Pool; workerIdentity: string }) {
  return { ...createRescoringActivities(deps), ...createRescoreRequestActivities(deps), ...createModelActivities(deps) };
}

export type ScoringActivities = ReturnType<typeof createScoringActivities>;
