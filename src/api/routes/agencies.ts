import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { agencyRegistrationWorkflow } from '../../workflows/agency-registration';
import { requireRole } from '../auth';
import type { ApiDependencies } from '../server';

/** Admins register the agencies (Art. 10) and market providers that share records. */
export const agencyRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.put(
    '/admin/agencies/:id',
    {
      schema: {
        summary: 'Register or rename an agency or market provider',
        tags: ['administration'],
        params: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes') }),
        body: z.object({ name: z.string().min(2).max(200), kind: z.enum(['agency', 'provider']) }),
        response: { 200: z.object({ id: z.string(), name: z.string(), kind: z.enum(['agency', 'provider']) }) },
      },
    },
    async (request) => {
      const actor = requireRole(request.actor, ['admin']);
      const registration = { id: request.params.id, ...request.body, registeredBy: actor.subject };
      await deps.client.workflow.execute(agencyRegistrationWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: `agency/${request.params.id}/${randomUUID()}`,
        args: [registration],
      });
      return { id: registration.id, name: registration.name, kind: registration.kind };
    },
  );
};
