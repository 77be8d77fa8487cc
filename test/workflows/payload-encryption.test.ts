import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { completed } from '../support/time-skipping';
import { workflowTestBed } from '../support/workflow-bed';
import { echoWorkflow } from '../support/workflows';

// A syntactically valid resident identity number (GB 11643), as an agency might send one.
const IDENTITY_NUMBER = '11010519491231002X';

describe('Art. 22 no personal data in clear in workflow histories', () => {
  let env: TestWorkflowEnvironment;
  let taskQueue: string;
  const bed = workflowTestBed();
  beforeAll(() => ({ env, taskQueue } = bed));

  it('stores the input and result of a workflow encrypted on the server', async () => {
    const input = { identityNumber: IDENTITY_NUMBER, note: 'kept only encrypted' };
    const handle = await env.client.workflow.start(echoWorkflow, { taskQueue, workflowId: 'echo/identity', args: [input] });
    await completed(handle);

    // Read the history as the server holds it, without the codec.
    const raw = await env.connection.workflowService.getWorkflowExecutionHistory({
      namespace: env.namespace ?? 'default',
      execution: { workflowId: 'echo/identity' },
    });
    const payloads = raw.history!.events!.flatMap((event) => [
      ...(event.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(event.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
    ]);
    expect(payloads).toHaveLength(2);
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(payload.data!).includes(IDENTITY_NUMBER)).toBe(false);
    }
    const wholeHistory = Buffer.from(JSON.stringify(raw.toJSON()));
    expect(wholeHistory.includes(IDENTITY_NUMBER)).toBe(false);
    expect(wholeHistory.includes(Buffer.from(IDENTITY_NUMBER).toString('base64'))).toBe(false);

    // Through the platform's codec the same history reads back in full.
    expect(await handle.result()).toEqual(input);
  });
});
