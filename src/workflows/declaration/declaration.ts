import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DeclarationActivities, DeclarationDecision } from '../../activities/declaration';
import { VERIFICATION_WORKING_DAYS } from '../../domain/declaration';
import { databaseStepOptions } from '../shared/activity-options';
import { NOT_THE_APPLICANT, refusal } from '../shared/contract';
import { CurrentDetails } from '../shared/current-details';
import { Filing } from '../shared/filing';
import { HumanTasks } from '../shared/human-tasks';
import { requestRescoring } from '../shared/rescoring-request';
import { SlaClock } from '../shared/sla-clock';
import {
  DECLARATION_CLOSED,
  declarationQuery,
  fileDeclarationUpdate,
  withdrawDeclarationUpdate,
  type DeclarationInput,
  type DeclarationView,
} from './contract';

const declarations = proxyActivities<DeclarationActivities>(databaseStepOptions);

const DECISIONS: DeclarationDecision[] = ['accept', 'reject'];

/**
 * Art. 11: a person declares an honour or a social contribution with proof and authorizes its
 * verification; the competent agency verifies it within its working days (an SLA stage and a
 * human task). Accepted, it becomes a self-declared record that counts; rejected, it stays with
 * its reasons. Workflow id `declaration/{id}`.
 */
export async function declarationWorkflow(input: DeclarationInput): Promise<DeclarationView> {
  const details = new CurrentDetails();
  const clock = new SlaClock(details);
  const tasks = new HumanTasks('declaration', input.personId, details);
  const { workflowId } = workflowInfo();
  const view: DeclarationView = { state: 'verifying', recordId: null, openTaskId: null };
  let withdrawn = false;
  let deciding = false;
  const filing = new Filing(fileDeclarationUpdate, () => view);
  setHandler(declarationQuery, () => view);
  setHandler(
    withdrawDeclarationUpdate,
    async () => {
      withdrawn = true;
      await condition(() => view.state !== 'verifying');
      // The agency's decision may have arrived in the same moment: it stands.
      if (view.state !== 'withdrawn') throw refusal(DECLARATION_CLOSED, `The declaration is already ${view.state}`, 'declarationId');
      return view;
    },
    {
      validator: ({ personId }) => {
        if (personId !== input.personId) throw refusal(NOT_THE_APPLICANT, 'Only the declarant may withdraw the declaration', 'personId');
        if (view.state !== 'verifying' || deciding) {
          throw refusal(DECLARATION_CLOSED, `The declaration is ${deciding ? 'being decided' : `already ${view.state}`}`, 'declarationId');
        }
      },
    },
  );

  const filed = await filing.file(() => declarations.fileDeclaration({ ...input, workflowId, filedAt: new Date().toISOString() }));
  if (!filed) {
    view.state = 'refused';
    details.end({ zh: '未受理：申报未能登记', en: 'Not filed: the declaration was refused at filing' });
    await condition(allHandlersFinished);
    return view;
  }

  const stage = await clock.open({
    process: 'declaration',
    stage: 'agency-verification',
    article: 'Art. 11',
    workingDays: VERIFICATION_WORKING_DAYS,
    responsible: { role: 'agency', agencyId: filed.verifierId },
  });
  const taskId = await tasks.open({
    kind: 'declaration-verification',
    role: 'agency',
    agencyId: filed.verifierId,
    subject: input.declarationId,
    asks: { zh: '核验自主申报的信息', en: 'verify the self-declared information' },
    stage,
    allowedDecisions: DECISIONS,
    context: { declarationId: input.declarationId, ...input.declaration },
  });
  view.openTaskId = taskId;
  const completion = await tasks.decision(taskId, () => withdrawn);
  view.openTaskId = null;
  deciding = completion !== undefined;

  if (!completion) {
    await tasks.cancel(taskId);
    await declarations.withdrawDeclaration({ declarationId: input.declarationId, workflowId, at: new Date().toISOString() });
    await clock.close(stage);
    view.state = 'withdrawn';
    details.end({ zh: '申报人已撤回申报', en: 'Withdrawn by the declarant' });
    return view;
  }
  const decided = await declarations.decideDeclaration({
    declarationId: input.declarationId,
    workflowId,
    decision: completion.decision as DeclarationDecision,
    reasons: completion.reasons,
    decidedBy: completion.actor.subject,
    at: new Date().toISOString(),
  });
  await clock.close(stage);
  if (decided.recordAdded) await requestRescoring([decided.personId], 'declaration-accepted');
  view.state = decided.state;
  view.recordId = decided.recordId;
  details.end(decided.state === 'accepted' ? { zh: '已核验：予以采信', en: 'Verified: accepted' } : { zh: '已核验：不予采信', en: 'Verified: rejected' });
  return view;
}
