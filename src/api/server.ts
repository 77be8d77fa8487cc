import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor, Role } from '../domain/roles';
import { agencyRoutes } from './agencies/routes';
import { agreementRoutes } from './agreement/routes';
import { attestationRoutes } from './attestation/routes';
import { purposeRoutes } from './authorization/purposes';
import { authorizationRoutes } from './authorization/routes';
import { bearerToken, requireRole } from './auth';
import { bulkIntakeRoutes } from './bulk-intake/routes';
import { calendarRoutes } from './calendar/routes';
import { civicFeedRoutes } from './civic-feed/routes';
import { codecRoutes } from './codec/routes';
import { declarationRoutes } from './declaration/routes';
import { answerError, ApiError, errorBody, errorResponseSchema } from './errors';
import { incentiveRoutes } from './incentive/routes';
import { objectionRoutes } from './objection/routes';
import { isDependencyOutage } from './shared/outages';
import { healthRoutes } from './operations/routes';
import { pageRoutes } from './pages/routes';
import { personalDataRoutes } from './personal-data/routes';
import { recordRoutes } from './records/routes';
import { registerRoutes } from './register/routes';
import { repairRoutes } from './repair/routes';
import { publicCommentRoutes } from './scoring/public-comment';
import { scoreRoutes } from './scoring/routes';
import { supervisionRoutes } from './supervision/routes';
import type { ApiDependencies } from './shared/dependencies';
import { describeProblem, inputProblem } from '../domain/storable-text';
import { taskRoutes } from './tasks/routes';

/** How long a client waits before sending a request again that met an outage: a restart of Postgres or Temporal takes seconds. */
const RETRY_AFTER_SECONDS = 5;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, or undefined when no bearer token was sent. */
    actor: Actor | undefined;
  }
  interface FastifyContextConfig {
    /** The roles that may call the route, checked before anything of the request is validated. */
    roles?: readonly Role[];
    /** A POST that only reads (an eligibility check): its answer does not wait for the read views to hear of its changes. */
    readOnly?: boolean;
  }
}

/** The methods of the routes that change something: their answers wait for the read views (see the onSend hook). */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A field's name as a refusal can carry it: a key may itself hold what it is refused for. */
function storableField(field: string): string {
  return field.replaceAll('\u0000', '\\u0000').toWellFormed();
}

/** What no request may hold, whatever its route (see storable-text.ts), as a refusal naming the field. */
function refuseUnfitInput(request: FastifyRequest): void {
  for (const [part, value] of [['body', request.body], ['querystring', request.query], ['params', request.params]] as const) {
    const found = inputProblem(value);
    if (!found) continue;
    const field = [part, ...found.path].map(String).join('.');
    throw new ApiError(400, found.problem === 'too-deep' ? 'too-deep' : 'invalid-input', `${storableField(field)}: ${describeProblem(found.problem)}`, storableField(field));
  }
}

/** The only door for people and agencies (DESIGN.md): validates, authenticates, then reads Postgres or talks to Temporal. */
export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // What the router refuses before any route runs answers like every other refusal.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .status(400)
        .send(
          error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? errorBody('invalid-input', 'params: a path parameter is longer than 100 characters', 'params')
            : errorBody('invalid-input', 'The URL cannot be decoded', 'url'),
        );
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Every route takes no query parameter it does not name, and documents the refusals every
  // route can give: bad input (400), a missing or wrong token (401, 403), a body too large or
  // of another media type (413, 415), and Postgres or Temporal briefly out of reach (503, with
  // Retry-After). Routes add their own (404, 409, 422).
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide || route.method === 'OPTIONS' || route.method === 'HEAD') return;
    const schema = (route.schema ??= {});
    schema.querystring ??= z.strictObject({});
    const secured = !(Array.isArray(schema.security) && schema.security.length === 0);
    const withBody = ['POST', 'PUT', 'PATCH'].includes(String(route.method));
    const statuses = [400, ...(secured ? [401, 403] : []), ...(withBody ? [413, 415] : []), 503];
    schema.response = { ...Object.fromEntries(statuses.map((status) => [status, errorResponseSchema])), ...(schema.response as object | undefined) };
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Jinan personal integrity score platform',
        description: [
          'Start and follow the legally timed processes of the Jinan personal integrity score (济南市个人诚信积分).',
          '',
          'Records name a type of the catalogue, which `GET /record-types` lists with the `details` each type takes; any other detail is refused.',
          'Every refusal is a 4xx with the body `{"error": {"code", "message", "field"}}`: `code` is machine-readable (a page translates it),',
          '`field` names the input it is about (`body.details.procedure`, `querystring.dueBefore`). A 202 starts a process that runs to its end.',
        ].join('\n'),
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(cookie);
  // A request that is not a real preflight gets no CORS grant and an empty 204, rather than the
  // plugin's plain-text 400 that no client could read as a refusal.
  await app.register(cors, {
    origin: deps.codecOrigins,
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
    strictPreflight: false,
  });

  app.decorateRequest('actor', undefined);
  // The hooks every request passes take callbacks: an async hook costs each request a promise
  // more, and the Temporal client's AsyncLocalStorage makes every promise dearer (bench:api).
  app.addHook('onRequest', (request, _reply, done) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) return done();
    deps.verifyToken(token).then((actor) => {
      request.actor = actor;
      done();
    }, done);
  });

  // Who may call comes before what they sent: a wrong role gets 401 or 403 whatever its input.
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      const { roles } = request.routeOptions.config;
      if (roles) requireRole(request.actor, roles);
      refuseUnfitInput(request);
      done();
    } catch (error) {
      done(error as FastifyError);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = answerError(error);
    if (answer) return reply.status(answer.status).send(answer.body);
    if (isDependencyOutage(error)) {
      request.log.warn({ err: error }, 'a dependency is out of reach');
      return reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send(errorBody('unavailable', `The platform's database or workflow service is briefly out of reach; send the request again in ${RETRY_AFTER_SECONDS} seconds`));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'Internal error; it has been logged'));
  });
  // Every refusal is logged with its body (code, message, field): operators see why a request
  // was refused, and the end-to-end suite's PII scan reads every error body in the logs.
  // A change answered is seen by this instance's next read: the answer waits until the read views
  // have heard of every change committed before it (for another instance, Postgres's notification
  // reaches it about as fast).
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400) {
      if (typeof payload === 'string' && payload.startsWith('{')) request.log.info({ statusCode: reply.statusCode, answer: payload }, 'answered with an error');
      return done(null, payload);
    }
    if (!WRITES.has(request.method) || reply.statusCode >= 300 || request.routeOptions.config.readOnly) return done(null, payload);
    deps.readViews.fence().then(() => done(null, payload), done);
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('not-found', `No route ${request.method} ${request.url.split('?')[0]}`)));

  await app.register(healthRoutes, deps);
  await app.register(codecRoutes, deps);
  await app.register(calendarRoutes, deps);
  await app.register(agencyRoutes, deps);
  await app.register(recordRoutes, deps);
  await app.register(bulkIntakeRoutes, deps);
  await app.register(agreementRoutes, deps);
  await app.register(authorizationRoutes, deps);
  await app.register(purposeRoutes, deps);
  await app.register(scoreRoutes, deps);
  await app.register(publicCommentRoutes, deps);
  await app.register(incentiveRoutes, deps);
  await app.register(attestationRoutes, deps);
  await app.register(objectionRoutes, deps);
  await app.register(declarationRoutes, deps);
  await app.register(repairRoutes, deps);
  await app.register(civicFeedRoutes, deps);
  await app.register(taskRoutes, deps);
  await app.register(registerRoutes, deps);
  await app.register(personalDataRoutes, deps);
  await app.register(supervisionRoutes, deps);
  await app.register(pageRoutes, deps);
  return app;
}
