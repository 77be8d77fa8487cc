import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDependencies } from '../shared/dependencies';

const componentState = z.enum(['up', 'down']);

/** `/health`: whether Postgres and Temporal answer, for the start command and load balancers. */
export const healthRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health of the API and the servers it depends on',
        tags: ['operations'],
        security: [],
        response: {
          200: z.object({ status: z.literal('ok'), postgres: componentState, temporal: componentState }),
          503: z.object({ status: z.literal('degraded'), postgres: componentState, temporal: componentState }),
        },
      },
    },
    async (_request, reply) => {
      const [postgres, temporal] = await Promise.all([
        deps.pool.query('SELECT 1').then(() => 'up' as const, () => 'down' as const),
        deps.connection.healthService.check({}).then(() => 'up' as const, () => 'down' as const),
      ]);
      if (postgres === 'up' && temporal === 'up') return reply.status(200).send({ status: 'ok', postgres, temporal });
      return reply.status(503).send({ status: 'degraded', postgres, temporal });
    },
  );
};
