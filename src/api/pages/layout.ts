import type { Actor } from '../../domain/roles';
import { html, type SafeHtml } from './html';
import type { Language, Translate } from './i18n';

/** Who sees which page: reviewers their inbox, supervisors (and NDRC) the SLA board. */
export const INBOX_ROLES = ['ndrc', 'agency', 'provider', 'supervisor'] as const;
export const BOARD_ROLES = ['supervisor', 'ndrc'] as const;

export interface PageFrame {
  t: Translate;
  language: Language;
  /** The path and query of this page, for the language switch. */
  url: string;
  actor?: Actor;
  /** The CSRF token every form of the page carries. */
  csrf?: string;
}

function withLanguage(url: string, language: Language): string {
  const [path, query = ''] = url.split('?');
  const params = new URLSearchParams(query);
  params.set('lang', language);
  return `${path}?${params.toString()}`;
}

/** A whole page: the header with its navigation, the language switch and sign-out, then the body. */
export function page(frame: PageFrame, title: string, body: SafeHtml, scripts: string[] = []): string {
  const { t, actor } = frame;
  const roles = (list: readonly string[]) => actor && list.includes(actor.role);
  const who = actor ? `${actor.subject} · ${actor.role}${actor.agencyId ? ` · ${actor.agencyId}` : ''}` : '';
  return `<!doctype html>${html`<html lang="${frame.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('platform')}</title>
<link rel="stylesheet" href="/ui/assets/pages.css">
</head>
<body>
<header>
  <strong>${t('platform')}</strong>
  <nav>
    ${roles(INBOX_ROLES) ? html`<a href="/ui/inbox">${t('inbox')}</a>` : ''}
    ${roles(BOARD_ROLES) ? html`<a href="/ui/sla">${t('slaBoard')}</a>` : ''}
    ${actor ? html`<a href="/ui/agencies">${t('agencies')}</a>` : ''}
    <a id="language" href="${withLanguage(frame.url, frame.language === 'zh-CN' ? 'en' : 'zh-CN')}">${t('language')}</a>
    ${
      actor
        ? html`<span class="who">${t('signedInAs')}: ${who}</span>
    <form method="post" action="/ui/sign-out" class="inline"><input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit">${t('signOut')}</button></form>`
        : ''
    }
  </nav>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
${scripts.map((src) => html`<script src="${src}"></script>`)}
</body>
</html>`}`;
}

/** A refusal shown in place: the translated code, the API's own message and the field it names. */
export function refusalNotice(t: Translate, error: { code: string; message: string; field?: string | undefined }, translated: string): SafeHtml {
  return html`<div class="refusal" role="alert" data-code="${error.code}"><strong>${t('refused')}: ${translated}</strong><p>${error.message}</p>${
    error.field ? html`<p class="field">${error.field}</p>` : ''
  }</div>`;
}
