import type { Payload } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { instantView } from '../shared/formats';

const SESSION_COOKIE = 'codec_session';
const SESSION_HOURS = 8;

const jsonPayload = z.strictObject({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() });
// No payloads at all come as `{}` (proto3 JSON leaves an empty list out): the CLI encodes a
// query's empty arguments so, e.g. for `temporal workflow metadata`.
const payloadsBody = z.strictObject({ payloads: z.array(jsonPayload).default([]) });

function fromJson(payload: z.infer<typeof jsonPayload>): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): z.infer<typeof jsonPayload> {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

/**
 * The codec endpoint the Temporal Web UI and CLI call (`--ui-codec-endpoint`, `--codec-endpoint`)
 * to show decrypted payloads, for supervisors only. The CLI sends a bearer token; a browser
 * opens a session once at /codec/login, and the UI then sends its cookie ("include credentials").
 */
export const codecRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.addHook('onRequest', async (request) => {
    if (request.actor || request.url.startsWith('/codec/login') || request.url.startsWith('/codec/session')) return;
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (sessionToken) request.actor = await deps.verifyToken(sessionToken);
  });

  for (const direction of ['encode', 'decode'] as const) {
    app.post(
      `/codec/${direction}`,
      {
        config: { roles: ['supervisor'] },
        schema: {
          summary: `${direction === 'decode' ? 'Decrypt' : 'Encrypt'} Temporal payloads (codec server protocol)`,
          tags: ['supervision'],
          body: payloadsBody,
          response: { 200: payloadsBody },
        },
      },
      async (request) => {
        const payloads = request.body.payloads.map(fromJson);
        const result = direction === 'decode' ? await deps.codec.decode(payloads) : await deps.codec.encode(payloads);
        if (direction === 'decode') {
          await deps.queryLog.opaqueRead(actorOf(request), {
            subject: `codec/decode: ${payloads.length} payload${payloads.length === 1 ? '' : 's'}`,
            purpose: 'workflow payloads decrypted for supervision',
            legalBasis: 'Art. 22 supervision',
          });
        }
        return { payloads: result.map(toJson) };
      },
    );
  }

  app.post(
    '/codec/session',
    {
      schema: {
        summary: 'Open a codec session for the Web UI with a supervisor token',
        tags: ['supervision'],
        security: [],
        body: z.strictObject({ token: z.string().min(1) }),
        response: { 200: z.object({ expiresAt: instantView }), ...refusals(401, 403) },
      },
    },
    async (request, reply) => {
      const actor = await deps.verifyToken(request.body.token);
      if (actor.role !== 'supervisor') throw new ApiError(403, 'forbidden', 'Only supervisors may decode payloads');
      const expiresAt = new Date(Date.now() + SESSION_HOURS * 3_600_000);
      // The UI (port 8233) and the API are the same site on one host, so a strict cookie reaches the API.
      reply.setCookie(SESSION_COOKIE, request.body.token, { httpOnly: true, sameSite: 'strict', path: '/codec', expires: expiresAt });
      return { expiresAt: expiresAt.toISOString() };
    },
  );

  app.get('/codec/login', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html').send(`<!doctype html><meta charset="utf-8"><title>Codec session</title>
<h1>Decode payloads in the Temporal Web UI</h1>
<p>Paste a supervisor token (<code>npm run token -- supervisor</code> locally).</p>
<form id="f"><input id="t" size="80" autocomplete="off"> <button>Open session</button></form><p id="r"></p>
<script>
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const res = await fetch('/codec/session', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: document.getElementById('t').value }) });
  const body = await res.json();
  document.getElementById('r').textContent = res.ok ? 'Session open until ' + body.expiresAt + '. In the Web UI, set the codec endpoint to ' + location.origin + '/codec and tick "include cross-origin credentials".' : body.error.message;
};
</script>`),
  );
};
