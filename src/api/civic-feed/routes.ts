import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { refusesRecord } from '../../domain/scope';
import { acceptedIdentityNumber } from '../../domain/identity-number';
import { calendarDateSchema } from '../../domain/input';
import { identityNumberSchema, referenceSchema } from '../../domain/record';
import { CIVIC_ROUTES } from '../../domain/repair';
import { shanghaiDayOf } from '../../domain/working-days';
import { civicEventSummary, civicEventWorkflowId, civicEventWorkflowType, type CivicEventWorkflow } from '../../workflows/civic-feed/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { organisationOf } from '../shared/organisations';

/** The most events one request carries; a larger feed comes in several. */
const MAX_EVENTS = 1000;
/** Workflows started at once while a request is answered. */
const STARTS_IN_FLIGHT = 16;

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
          `Up to ${MAX_EVENTS} events, each started as its own process civic-event/{eventId}. An event id already fed is a duplicate and changes nothing, ` +
          'whatever its content. An event about a person out of scope (Art. 3) is refused and nothing about it is kept. A malformed event refuses the whole request.',
        tags: ['civic-feed'],
        body: z.strictObject({ events: z.array(civicEventSchema).min(1).max(MAX_EVENTS) }),
        response: {
          202: z.object({
            accepted: z.array(z.string()).describe('event ids started: each will be kept and routed'),
            duplicates: z.array(z.string()).describe('event ids fed before (or twice in this request): nothing changes'),
            refused: z.array(refusedEvent),
          }),
          ...refusals(),
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
      const accepted: string[] = [];
      const duplicates: string[] = [];
      const refused: z.infer<typeof refusedEvent>[] = [];
      const feed = async ({ identityNumber, ...event }: (typeof events)[number], i: number) => {
        const person = deps.identity.sealedPerson(acceptedIdentityNumber(identityNumber));
        const beforeAdulthood = refusesRecord(person.birthDate, event.occurredOn);
        if (beforeAdulthood) {
          refused.push({ eventId: event.eventId, code: 'out-of-scope', message: beforeAdulthood, field: `body.events.${i}.occurredOn` });
          return;
        }
        try {
          await deps.client.workflow.start<CivicEventWorkflow>(civicEventWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId: civicEventWorkflowId(event.eventId),
            // One process per event id, ever: a replayed feed starts nothing.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [{ ...event, person, fedBy: feeder.id }],
            staticSummary: civicEventSummary(event.kind, feeder.id),
          });
          accepted.push(event.eventId);
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          duplicates.push(event.eventId);
        }
      };
      for (let from = 0; from < events.length; from += STARTS_IN_FLIGHT) {
        await Promise.all(events.slice(from, from + STARTS_IN_FLIGHT).map((event, j) => feed(event, from + j)));
      }
      return reply.status(202).send({ accepted, duplicates, refused });
    },
  );
};
