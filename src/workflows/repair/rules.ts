import { allHandlersFinished, condition, patched, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { RepairActivities } from '../../activities/repair';
import { shanghaiDayOf, startOfShanghaiDay } from '../../domain/working-days';
import { databaseStepOptions, requestedStepOptions } from '../shared/activity-options';
import { CurrentDetails } from '../shared/current-details';
import { publishedRepairRulesUpdate, type PublishedRepairRules, type RepairRulesPublication } from './contract';

const repairs = proxyActivities<RepairActivities>(requestedStepOptions);
/** Coming into force on its day has no caller waiting to be refused: it retries until Postgres takes it. */
const inForce = proxyActivities<RepairActivities>(databaseStepOptions);

/** 0.3.0: conditions published for a later day come into force on that day (Art. 21; issue 26 item 13); before, at once. */
const IN_FORCE_ON_EFFECTIVE_DAY = 'repair-rules-in-force-on-effective-day';

/**
 * NDRC replaces the repair conditions without a release (Order 36; DOMAIN.md "Credit repair"):
 * they become the next version, in force from their effective day, and the version in force
 * until then is retired that day. A repair keeps the version it was filed under. Workflow id
 * `repair-rules/{publicationId}`.
 */
export async function repairRulesWorkflow(publication: RepairRulesPublication): Promise<PublishedRepairRules | { version: number; retired: number | null }> {
  if (!patched(IN_FORCE_ON_EFFECTIVE_DAY)) return repairs.publishRepairRules(publication);
  let published: PublishedRepairRules | undefined;
  setHandler(publishedRepairRulesUpdate, async () => {
    await condition(() => published !== undefined);
    return published!;
  });
  // The workflow's day decides, so a publication replays and is tested on the workflow's clock.
  published = await repairs.recordRepairRules({ ...publication, today: shanghaiDayOf(new Date()) });
  if (published.status === 'scheduled') {
    const details = new CurrentDetails();
    const from = startOfShanghaiDay(published.effectiveFrom);
    details.waitFor('effective-day', { what: { zh: `生效日 ${published.effectiveFrom}`, en: `the effective day, ${published.effectiveFrom}` }, until: from });
    await sleep(Math.max(0, from.getTime() - Date.now()));
    details.over('effective-day');
    published = await inForce.bringRepairRulesIntoForce({ version: published.version });
    details.end(
      published.status === 'active'
        ? { zh: `第 ${published.version} 版已生效`, en: `Version ${published.version} in force` }
        : { zh: `第 ${published.version} 版未生效：其后发布的版本已生效`, en: `Version ${published.version} not in force: a version published after it already is` },
    );
  }
  await condition(allHandlersFinished);
  return published;
}
