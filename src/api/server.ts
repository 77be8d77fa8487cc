import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Actor } from '../domain/roles';
import { agencyRoutes } from './agencies/routes';
import { bearerToken } from './auth';
import { bulkIntakeRoutes } from './bulk-intake/routes';
import { calendarRoutes } from './calendar/routes';
import { codecRoutes } from './codec/routes';
import { ApiError, errorBody } from './errors';
import { objectionRoutes } from './objection/routes';
import { healthRoutes } from './operations/routes';
import { recordRoutes } from './records/routes';
import { scoreRoutes } from './scoring/routes';
import type { ApiDependencies } from './shared/dependencies';
import { nulPath } from './shared/nul-guard';
import { taskRoutes } from './tasks/routes';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, or undefined when no bearer token was sent. */
    actor: Actor | undefined;
  }
}

/** The only door for people and agencies (DESIGN.md): validates, authenticates, then reads Postgres or talks to Temporal. */
export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Jinan personal integrity score platform',
        description: 'Start and follow the legally timed processes of the Jinan personal integrity score.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(cookie);
  await app.register(cors, { origin: deps.codecOrigins, credentials: true, methods: ['POST'], allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace'] });

  app.decorateRequest('actor', undefined);
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request.headers.authorization);
    if (token) request.actor = await deps.verifyToken(token);
  });

  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['body', request.body], ['querystring', request.query], ['params', request.params]] as const) {
      const at = nulPath(value);
      if (at) {
        const field = [part, ...at].join('.');
        throw new ApiError(400, 'invalid-input', `${field}: must not contain the NUL character (U+0000)`, field);
      }
    }
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.field));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0]!;
      const field = [error.validationContext, ...first.instancePath.split('/').filter(Boolean)].join('.');
      return reply.status(400).send(errorBody('invalid-input', `${field}: ${first.message}`, field));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send(errorBody('bad-request', (error as Error).message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'Internal error; it has been logged'));
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('not-found', `No route ${request.method} ${request.url.split('?')[0]}`)));

  await app.register(healthRoutes, deps);
  await app.register(codecRoutes, deps);
  await app.register(calendarRoutes, deps);
  await app.register(agencyRoutes, deps);
  await app.register(recordRoutes, deps);
  await app.register(bulkIntakeRoutes, deps);
  await app.register(scoreRoutes, deps);
  await app.register(objectionRoutes, deps);
  await app.register(taskRoutes, deps);
  return app;
}
