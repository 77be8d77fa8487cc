import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  agencyRegistrationSummary,
  agencyRegistrationWorkflowId,
  agencyRegistrationWorkflowType,
  type AgencyRegistrationWorkflow,
} from '../../workflows/agencies/contract';
import { actorOf } from '../auth';
import type { ApiDependencies } from '../shared/dependencies';
import { registeredOrganisations, ROLES_OF_KIND } from './queries';
import { throughTemporal } from '../workflow-failures';

const KINDS = ['agency', 'provider', 'requester'] as const;

/** Admins register the agencies (Art. 10) and market providers that share records; the platform's users look them up. */
export const agencyRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/agencies',
    {
      config: { roles: ['admin', 'ndrc', 'supervisor', 'institution', 'agency', 'provider'] },
      schema: {
        summary: 'The registered organisations: agencies, market providers and requesters, with their kinds and the token roles each acts in',
        tags: ['administration'],
        response: {
          200: z.object({
            agencies: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(KINDS), roles: z.array(z.string()).describe('the roles of the tokens that act for it (their `agency` claim is its id)') })),
          }),
        },
      },
    },
    async () => ({ agencies: (await registeredOrganisations(deps.pool)).map((row) => ({ ...row, roles: ROLES_OF_KIND[row.kind] })) }),
  );

  app.put(
    '/admin/agencies/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Register or rename an agency, a market provider, or a requester (a bank, an employer, a landlord, another city: Art. 15)',
        tags: ['administration'],
        params: z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes') }),
        body: z.strictObject({ name: z.string().min(2).max(200), kind: z.enum(KINDS) }),
        response: { 200: z.object({ id: z.string(), name: z.string(), kind: z.enum(KINDS) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const registration = { id: request.params.id, ...request.body, registeredBy: actor.subject };
      const workflowId = agencyRegistrationWorkflowId(request.params.id, randomUUID());
      await throughTemporal(
        () =>
          deps.client.workflow.execute<AgencyRegistrationWorkflow>(agencyRegistrationWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId,
            args: [registration],
            staticSummary: agencyRegistrationSummary(registration),
          }),
        { message: `No registration ${workflowId}`, field: 'id' },
      );
      return { id: registration.id, name: registration.name, kind: registration.kind };
    },
  );
};
