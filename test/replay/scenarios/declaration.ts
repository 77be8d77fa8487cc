import { addDays } from '../../../src/domain/working-days';
import { AGENCIES, type Driver, type Resident } from '../driver';
import type { Scenario } from './scenario';

/** Art. 11: self-declarations verified by the competent agency, on their clock, withdrawn or refused. */
export function declarationScenario(): Scenario {
  let resident: Resident;
  let verifying: string;
  let breached: string;
  const honour = (d: Driver, typeCode: string, daysAgo: number) => ({
    category: 'honours',
    typeCode,
    formedOn: addDays(d.today, -daysAgo),
    details: { title: 'Model worker' },
    evidence: [{ kind: 'certificate', ref: `certificate ${typeCode}` }],
    authorizeVerification: true,
  });
  const declare = async (d: Driver, body: Record<string, unknown>) => d.expect(await d.bed.call('POST', '/declarations', resident.token, body), 202);

  return {
    async open(d) {
      resident = await d.resident();
      for (const typeCode of ['honour-provincial', 'honour-municipal', 'honour-district']) {
        const route = await d.expect(await d.bed.call('PUT', `/declaration-routes/${typeCode}`, d.tokens.ndrc, { agencyId: AGENCIES.civilAffairs.id }), 200);
        if (typeCode === 'honour-district') await d.save(route.body.workflowId as string, 'declaration-route-set');
      }
      verifying = (await declare(d, honour(d, 'honour-provincial', 30))).body.workflowId as string;
      await d.task(verifying, 'declaration-verification');
      await d.save(verifying, 'declaration-waiting-verification');

      breached = (await declare(d, honour(d, 'honour-municipal', 40))).body.workflowId as string;
      d.when(breached, 'breached', 'declaration-verification-breached');

      const withdrawn = await declare(d, honour(d, 'honour-district', 50));
      await d.task(withdrawn.body.workflowId as string, 'declaration-verification');
      await d.expect(await d.bed.call('POST', `/declarations/${withdrawn.body.declarationId as string}/withdrawal`, resident.token), 200);
      await d.save(withdrawn.body.workflowId as string, 'declaration-withdrawn');
    },
    async closing(d) {
      await d.decide(d.tokens.civilAffairs, verifying, 'declaration-verification', 'accept');
      await d.save(verifying, 'declaration-accepted');
      await d.decide(d.tokens.civilAffairs, breached, 'declaration-verification', 'reject');
      await d.save(breached, 'declaration-rejected-after-breach');
    },
  };
}
