import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decodeJwt } from 'jose';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { answerError, type ErrorBody } from '../errors';
import type { Role } from '../../domain/roles';
import type { ApiDependencies } from '../shared/dependencies';
import type { SlaReport } from '../shared/sla-report';
import { html, type SafeHtml } from './html';
import { isLanguage, known, translator, type Language } from './i18n';
import type { CaseView, TaskEventView, TaskView } from '../shared/task-view';
import { inboxBody, TASK_ACTIONS, taskBody, type TaskAction, type TaskPageState } from './inbox';
import type { Speech } from './speech';
import { wordsFor } from './vocabulary';
import { decisionBody } from './decision-form';
import type { RecordType } from '../../domain/record-types';
import { BOARD_ROLES, INBOX_ROLES, page, refusalNotice, type PageFrame } from './layout';
import { boardBody, troublesPanel } from './sla-board';
import type { Trouble } from '../shared/troubles';

const SESSION_COOKIE = 'session';
const LANGUAGE_COOKIE = 'lang';
const PAGE_ROLES: readonly Role[] = [...new Set([...INBOX_ROLES, ...BOARD_ROLES])];

/** Pages allow only what they serve: their own scripts and styles, forms posted to themselves. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'pages.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./assets/pages.css', import.meta.url)) },
  'board.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./assets/board.js', import.meta.url)) },
  'decision.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./assets/decision.js', import.meta.url)) },
  'echarts.min.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('echarts/dist/echarts.min.js')) },
};

const language = z.object({ lang: z.string().optional() });
const taskParams = z.strictObject({ taskId: z.uuid() });
const form = z.object({ _csrf: z.string().optional() });

/** The API route each of a task page's forms goes through. */
const API_ACTIONS: Record<TaskAction, string> = { claim: 'claim', release: 'release', remind: 'reminder', decide: 'completion' };

type ApiAnswer<T> = { ok: true; body: T } | { ok: false; status: number; error: ErrorBody['error'] };

/**
 * The reviewers' inbox and the supervisors' SLA board (issue 13): server-rendered pages served by
 * the API process, zh-CN by default. A page signs in with the same bearer token as the API, kept
 * in an HttpOnly, SameSite=Strict cookie scoped to /ui, and does everything through the API's own
 * routes (injected in-process with that token), so every check, refusal and register entry is the
 * API's. Every form carries a CSRF token.
 */
export const pageRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  const cookieOptions = { path: '/ui', httpOnly: true, sameSite: 'strict', secure: deps.secureCookies } as const;
  await app.register(formbody);
  // The token comes in the form's body, so it is checked once the body is parsed (preValidation).
  await app.register(csrf, { cookieKey: '_csrf', cookieOpts: cookieOptions });

  // The session: the page's token, verified as the API verifies a bearer token.
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token && !request.actor) request.actor = await deps.verifyToken(token).catch(() => undefined);
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
  });

  function languageOf(request: FastifyRequest, reply: FastifyReply): Language {
    const asked = (request.query as { lang?: unknown } | undefined)?.lang;
    if (isLanguage(asked)) {
      reply.setCookie(LANGUAGE_COOKIE, asked, { ...cookieOptions, httpOnly: false, maxAge: 365 * 86_400 });
      return asked;
    }
    const kept = request.cookies[LANGUAGE_COOKIE];
    return isLanguage(kept) ? kept : 'zh-CN';
  }

  async function frame(request: FastifyRequest, reply: FastifyReply): Promise<PageFrame> {
    const lang = languageOf(request, reply);
    return { t: translator(lang), language: lang, url: request.url, ...(request.actor ? { actor: request.actor } : {}), csrf: await reply.generateCsrf() };
  }

  /** The record-type catalogue, which a correction's fields follow. */
  async function recordTypes(request: FastifyRequest): Promise<RecordType[]> {
    const answer = await api<{ recordTypes: RecordType[] }>(request, 'GET', '/record-types');
    return answer.ok ? answer.body.recordTypes : [];
  }

  const speechOf = (view: PageFrame): Speech => ({ t: view.t, w: wordsFor(view.language), language: view.language });

  function send(reply: FastifyReply, status: number, body: string) {
    return reply.status(status).type('text/html; charset=utf-8').send(body);
  }

  /** A call to the API's own route with the page's token. */
  async function api<T>(request: FastifyRequest, method: 'GET' | 'POST', url: string, payload?: object): Promise<ApiAnswer<T>> {
    const response = await app.inject({ method, url, headers: { authorization: `Bearer ${request.cookies[SESSION_COOKIE]}` }, ...(payload ? { payload } : {}) });
    if (response.statusCode < 400) return { ok: true, body: response.json<T>() };
    return { ok: false, status: response.statusCode, error: response.json<ErrorBody>().error };
  }

  /** The API's refusal as a page, or, for a session that ended, back to sign-in. */
  async function refused(request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']) {
    if (status === 401) return reply.clearCookie(SESSION_COOKIE, cookieOptions).redirect('/ui/sign-in', 303);
    const view = await frame(request, reply);
    return send(reply, status, page(view, view.t('errorTitle'), refusalNotice(view.t, error, known(view.t, 'code', error.code))));
  }

  app.setErrorHandler(async (error, request, reply) => {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('FST_CSRF')) return refused(request, reply, 403, { code: 'csrf', message: 'The form is missing its CSRF token or it is not valid' });
    const answer = answerError(error);
    if (answer) return refused(request, reply, answer.status, answer.body.error);
    request.log.error({ err: error }, 'unhandled error on a page');
    return refused(request, reply, 500, { code: 'internal', message: 'Internal error; it has been logged' });
  });

  const hidden = { hide: true } as const;

  app.get('/ui/assets/:file', { schema: { ...hidden, params: z.strictObject({ file: z.string() }) } }, async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
    if (!asset) return refused(request, reply, 404, { code: 'not-found', message: `No asset ${request.params.file}` });
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });

  app.get('/ui', { schema: { ...hidden, querystring: language } }, async (request, reply) => {
    languageOf(request, reply);
    const role = request.actor?.role;
    return reply.redirect(!role ? '/ui/sign-in' : (BOARD_ROLES as readonly string[]).includes(role) && role !== 'ndrc' ? '/ui/sla' : '/ui/inbox', 303);
  });

  async function signInPage(request: FastifyRequest, reply: FastifyReply, status: number, problem?: SafeHtml) {
    const view = await frame(request, reply);
    const { t } = view;
    return send(
      reply,
      status,
      page(
        view,
        t('signIn'),
        html`${problem ?? ''}<form class="decision" method="post" action="/ui/sign-in">
  <input type="hidden" name="_csrf" value="${view.csrf}">
  <p>${t('signInHelp')} <code>npm run token -- ndrc</code></p>
  <p>${t('signInHelpOrganisation')} <code>npm run token -- agency --agency &lt;id&gt;</code></p>
  <label>${t('token')}<textarea name="token" id="token" required autocomplete="off"></textarea></label>
  <button type="submit" id="sign-in">${t('signIn')}</button>
</form>`,
      ),
    );
  }

  app.get('/ui/sign-in', { schema: { ...hidden, querystring: language } }, (request, reply) => signInPage(request, reply, 200));

  app.post(
    '/ui/sign-in',
    { preValidation: app.csrfProtection, schema: { ...hidden, body: form.extend({ token: z.string().trim().min(1).max(8192) }) } },
    async (request, reply) => {
      const { token } = request.body;
      const actor = await deps.verifyToken(token).catch((error: unknown) => answerError(error)?.body.error ?? { code: 'invalid-token', message: 'The token is not valid' });
      const t = translator(languageOf(request, reply));
      if ('code' in actor) return signInPage(request, reply, 401, refusalNotice(t, actor, known(t, 'code', actor.code)));
      if (!PAGE_ROLES.includes(actor.role)) {
        const error = { code: 'forbidden', message: `The pages are for the roles ${PAGE_ROLES.join(', ')}, not ${actor.role}` };
        return signInPage(request, reply, 403, refusalNotice(t, error, known(t, 'code', error.code)));
      }
      const { exp } = decodeJwt(token);
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, ...(exp ? { expires: new Date(exp * 1000) } : {}) });
      return reply.redirect(actor.role === 'supervisor' ? '/ui/sla' : '/ui/inbox', 303);
    },
  );

  app.post('/ui/sign-out', { preValidation: app.csrfProtection, schema: { ...hidden, body: form } }, async (_request, reply) =>
    reply.clearCookie(SESSION_COOKIE, cookieOptions).redirect('/ui/sign-in', 303),
  );

  const inboxQuery = language.extend({ process: z.string().max(40).optional(), state: z.string().max(20).optional(), dueBefore: z.string().max(10).optional() });

  app.get('/ui/inbox', { config: { roles: INBOX_ROLES }, schema: { ...hidden, querystring: inboxQuery } }, async (request, reply) => {
    const filters = { process: request.query.process || undefined, state: request.query.state || undefined, dueBefore: request.query.dueBefore || undefined };
    const query = new URLSearchParams();
    if (filters.process) query.set('process', filters.process);
    if (filters.state) query.set('state', filters.state);
    // A due day includes its whole day, to 24:00 in Jinan.
    if (filters.dueBefore) query.set('dueBefore', `${filters.dueBefore}T23:59:59.999+08:00`);
    const answer = await api<{ tasks: TaskView[] }>(request, 'GET', `/tasks?${query.toString()}`);
    if (!answer.ok) return refused(request, reply, answer.status, answer.error);
    const view = await frame(request, reply);
    return send(reply, 200, page(view, view.t('inbox'), inboxBody(speechOf(view), answer.body.tasks, filters)));
  });

  async function taskPage(request: FastifyRequest, reply: FastifyReply, taskId: string, status: number, state: Omit<TaskPageState, 'csrf' | 'role'>, record?: string) {
    const chosen = record ? `?${new URLSearchParams({ record }).toString()}` : '';
    const answer = await api<{ task: TaskView; case: CaseView; events: TaskEventView[] }>(request, 'GET', `/tasks/${taskId}/case${chosen}`);
    if (!answer.ok) return refused(request, reply, answer.status, answer.error);
    const catalogue = await recordTypes(request);
    const view = await frame(request, reply);
    const speech = speechOf(view);
    const { task } = answer.body;
    const body = taskBody(speech, task, answer.body.case, catalogue, answer.body.events, { ...state, csrf: view.csrf!, role: request.actor!.role });
    return send(reply, status, page(view, `${view.t('kind')} · ${speech.w('kind', task.kind)}`, body, ['/ui/assets/decision.js']));
  }

  app.get(
    '/ui/tasks/:taskId',
    { config: { roles: INBOX_ROLES }, schema: { ...hidden, params: taskParams, querystring: language.extend({ done: z.enum(TASK_ACTIONS).optional(), record: z.uuid().optional() }) } },
    (request, reply) => taskPage(request, reply, request.params.taskId, 200, request.query.done ? { done: request.query.done } : {}, request.query.record),
  );

  /** A task action through its API route: back to the task once taken, its refusal shown in place otherwise. */
  async function act(request: FastifyRequest, reply: FastifyReply, taskId: string, action: TaskAction, payload: object, entered?: TaskPageState['entered']) {
    const answer = await api(request, 'POST', `/tasks/${taskId}/${API_ACTIONS[action]}`, payload);
    if (answer.ok) return reply.redirect(`/ui/tasks/${taskId}?done=${action}`, 303);
    if (answer.status === 401) return refused(request, reply, 401, answer.error);
    const t = translator(languageOf(request, reply));
    const chosen = z.uuid().safeParse(entered?.recordId).data;
    return taskPage(request, reply, taskId, answer.status, { refusal: refusalNotice(t, answer.error, known(t, 'code', answer.error.code)), ...(entered ? { entered } : {}) }, chosen);
  }

  for (const action of ['claim', 'release', 'remind'] as const) {
    app.post(`/ui/tasks/:taskId/${action}`, { preValidation: app.csrfProtection, config: { roles: INBOX_ROLES }, schema: { ...hidden, params: taskParams, body: form } }, (request, reply) =>
      act(request, reply, request.params.taskId, action, {}),
    );
  }

  app.post(
    '/ui/tasks/:taskId/decision',
    {
      preValidation: app.csrfProtection,
      config: { roles: INBOX_ROLES },
      schema: { ...hidden, params: taskParams, body: z.record(z.string().max(100), z.union([z.string().max(4000), z.array(z.string().max(4000)).max(50)])) },
    },
    async (request, reply) => {
      const { _csrf: _, ...posted } = request.body;
      return act(request, reply, request.params.taskId, 'decide', decisionBody(posted, await recordTypes(request)), posted);
    },
  );

  app.get('/ui/agencies', { config: { roles: PAGE_ROLES }, schema: { ...hidden, querystring: language } }, async (request, reply) => {
    const answer = await api<{ agencies: { id: string; name: string; kind: string; roles: string[] }[] }>(request, 'GET', '/agencies');
    if (!answer.ok) return refused(request, reply, answer.status, answer.error);
    const view = await frame(request, reply);
    const { t, w } = speechOf(view);
    const body = html`<table id="agencies">
<thead><tr><th>${t('agencyId')}</th><th>${t('agencyName')}</th><th>${t('agencyKind')}</th><th>${t('agencyRoles')}</th></tr></thead>
<tbody>${answer.body.agencies.map((agency) => html`<tr><td><code>${agency.id}</code></td><td>${agency.name}</td><td>${known(t, 'kind', agency.kind)}</td><td>${agency.roles.map((role) => w('role', role)).join(view.language === 'zh-CN' ? '、' : ', ')}</td></tr>`)}</tbody>
</table>`;
    return send(reply, 200, page(view, t('agencies'), body));
  });

  const periodQuery = language.extend({ from: z.string().max(10).optional(), to: z.string().max(10).optional() });
  const periodOf = (query: { from?: string | undefined; to?: string | undefined }) => {
    const params = new URLSearchParams();
    if (query.from) params.set('from', query.from);
    if (query.to) params.set('to', query.to);
    return params.toString();
  };

  app.get('/ui/sla', { config: { roles: BOARD_ROLES }, schema: { ...hidden, querystring: periodQuery } }, async (request, reply) => {
    const answer = await api<SlaReport>(request, 'GET', `/reports/sla?${periodOf(request.query)}`);
    if (!answer.ok) return refused(request, reply, answer.status, answer.error);
    const troubles = await api<{ troubles: Trouble[] }>(request, 'GET', '/supervision/troubles?limit=50');
    if (!troubles.ok) return refused(request, reply, troubles.status, troubles.error);
    const view = await frame(request, reply);
    const body = html`${boardBody(view.t, answer.body, deps.webUi)}${troublesPanel(view.t, troubles.body.troubles)}`;
    return send(reply, 200, page(view, view.t('slaBoard'), body, ['/ui/assets/echarts.min.js', '/ui/assets/board.js']));
  });

  // The board's downloads, with the page's session (the report routes take a bearer token).
  for (const format of ['json', 'csv'] as const) {
    app.get(`/ui/reports/sla.${format}`, { config: { roles: BOARD_ROLES }, schema: { ...hidden, querystring: periodQuery } }, async (request, reply) => {
      const response = await app.inject({
        method: 'GET',
        url: `/reports/sla${format === 'csv' ? '.csv' : ''}?${periodOf(request.query)}`,
        headers: { authorization: `Bearer ${request.cookies[SESSION_COOKIE]}` },
      });
      if (response.statusCode >= 400) return refused(request, reply, response.statusCode, response.json<ErrorBody>().error);
      const disposition = response.headers['content-disposition'];
      return reply
        .type(String(response.headers['content-type']))
        .header('content-disposition', typeof disposition === 'string' ? disposition : 'attachment; filename="sla.json"')
        .send(response.rawPayload);
    });
  }
};
