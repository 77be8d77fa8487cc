import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { refusesRecord } from '../../domain/scope';
import { acceptedIdentityNumber } from '../../domain/identity-number';
import { calendarDateSchema } from '../../domain/input';
import { identityNumberSchema, referenceSchema } from '../../domain/record';
import { CIVIC_ROUTES } from '../../domain/repair';
import { shanghaiDayOf } from '../../domain/working-days';
import {
  civicBatchStoredUpdate,
  civicBatchSummary,
  civicBatchWorkflowId,
  civicBatchWorkflowType,
  type CivicBatchInput,
  type CivicBatchWorkflow,
} from '../../workflows/civic-feed/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { organisationOf } from '../shared/organisations';
import { throughTemporal } from '../workflow-failures';

/** The most events one request carries; a larger feed comes in several. */
const MAX_EVENTS = 1000;

const civicEventSchema = z
  .strictObject({
    eventId: referenceSchema.describe("the database's own id of the event: the feed may send it again, it counts once"),
    identityNumber: identityNumberSchema,
    kind: z.enum(CIVIC_ROUTES),
    amount: z.number().positive().max(100_000_000).describe('volunteer hours, yuan donated, or 1 for a civilised-practice event'),
    occurredOn: calendarDateSchema,
  })
  .superRefine((event, ctx) => {
    if (event.kind === 'civilised-practice' && event.amount !== 1) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a civilised-practice event counts 1' });
  });

const refusedEvent = z.object({ eventId: z.string(), code: z.string(), message: z.string(), field: z.string() });

/**
 * Art. 21: the civilised-behaviour database feeds volunteer hours, donations and civilised
 * practice. Each event is kept once, as a positive record (Art. 9(3)), and counts toward the
 * person's open repairs by its route.
 */
export const civicFeedRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.post(
    '/civic-events',
    {
      config: { roles: ['civic-db'] },
      schema: {
        summary: 'Feed civilised-behaviour events: volunteer hours, donations, civilised practice (Art. 21, Art. 9(3))',
        description:
          `Up to ${MAX_EVENTS} events, stored together by one process civic-batch/{feeder}/{batchId} before the answer; each new event then reaches ` +
          "the person's open repairs, and the persons given records are rescored together. An event id already fed (or twice in the request) is a duplicate " +
          'and changes nothing, whatever its content. An event dated before the person\'s 18th birthday is refused and nothing about it is kept. A malformed event refuses the whole request.',
        tags: ['civic-feed'],
        body: z.strictObject({ events: z.array(civicEventSchema).min(1).max(MAX_EVENTS) }),
        response: {
          202: z.object({
            accepted: z.array(z.string()).describe('event ids kept: each is routed to the open repairs of its route'),
            duplicates: z.array(z.string()).describe('event ids fed before (or twice in this request): nothing changes'),
            refused: z.array(refusedEvent),
            workflowId: z.string().nullable().describe('the batch process that kept and routes the accepted events; null when none was new to start'),
          }),
          // Data the edge let through that Postgres still refuses for good: the batch keeps nothing.
          ...refusals(422),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const feeder = await organisationOf(deps.pool, actor, 'agency');
      const { events } = request.body;
      const today = shanghaiDayOf(new Date());
      for (const [i, event] of events.entries()) {
        if (event.occurredOn > today) throw new ApiError(400, 'invalid-input', `body.events.${i}.occurredOn: must not be in the future`, `body.events.${i}.occurredOn`);
      }
      const duplicates: string[] = [];
      const refused: z.infer<typeof refusedEvent>[] = [];
      const batch: CivicBatchInput['events'] = [];
      const seen = new Set<string>();
      for (const [i, { identityNumber, ...event }] of events.entries()) {
        if (seen.has(event.eventId)) {
          duplicates.push(event.eventId);
          continue;
        }
        seen.add(event.eventId);
        const person = deps.identity.sealedPerson(acceptedIdentityNumber(identityNumber));
        const beforeAdulthood = refusesRecord(person.birthDate, event.occurredOn);
        if (beforeAdulthood) refused.push({ eventId: event.eventId, code: 'out-of-scope', message: beforeAdulthood, field: `body.events.${i}.occurredOn` });
        else batch.push({ ...event, person });
      }
      if (batch.length === 0) return reply.status(202).send({ accepted: [], duplicates, refused, workflowId: null });
      const workflowId = civicBatchWorkflowId(feeder.id, randomUUID());
      const stored = await throughTemporal(
        () =>
          deps.client.workflow.executeUpdateWithStart(civicBatchStoredUpdate, {
            startWorkflowOperation: new WithStartWorkflowOperation<CivicBatchWorkflow>(civicBatchWorkflowType, {
              taskQueue: deps.taskQueue,
              workflowId,
              workflowIdConflictPolicy: 'FAIL',
              args: [{ fedBy: feeder.id, events: batch }],
              staticSummary: civicBatchSummary(feeder.id, batch.length),
            }),
          }),
        { message: 'No civic batch', field: 'events' },
      );
      const accepted = stored.accepted;
      duplicates.push(...stored.duplicates);
      return reply.status(202).send({ accepted, duplicates, refused, workflowId });
    },
  );
};
