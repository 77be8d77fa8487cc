import { endOfShanghaiDay, startOfShanghaiDay } from '../../domain/working-days';
import type { SlaFigures, SlaReport, WebUi } from '../shared/sla-report';
import type { Trouble } from '../shared/troubles';
import { html, SafeHtml } from './html';
import { known, shanghaiTime, type Translate } from './i18n';

const FIGURES = ['metOnTime', 'metLate', 'breached', 'open', 'failed'] as const;
type Figure = (typeof FIGURES)[number];

/**
 * The visibility query of the workflows behind a figure. Search attributes hold each workflow's
 * latest stage (src/workflows/shared/sla-clock.ts), so the query finds the workflows whose latest
 * stage is in that state and due in the period: a stage finished late keeps the state breached.
 */
export function figureQuery(row: { agencyId: string | null; process: string }, figure: Figure, period: { from: string; to: string }): string {
  const quoted = (text: string) => `'${text.replaceAll("'", '')}'`;
  const state = { metOnTime: `SlaState = 'met'`, metLate: `SlaState = 'breached'`, breached: `SlaState = 'breached' AND ExecutionStatus = 'Running'`, open: `SlaState IN ('on-track', 'due-soon') AND ExecutionStatus = 'Running'`, failed: `ExecutionStatus = 'Failed'` }[figure];
  return [
    `CreditProcess = ${quoted(row.process)}`,
    row.agencyId === null ? 'Agency IS NULL' : `Agency = ${quoted(row.agencyId)}`,
    `SlaDueAt > '${startOfShanghaiDay(period.from).toISOString()}' AND SlaDueAt <= '${endOfShanghaiDay(period.to).toISOString()}'`,
    state,
  ].join(' AND ');
}

export function webUiLink(webUi: WebUi, query: string): string {
  return `${webUi.url}/namespaces/${encodeURIComponent(webUi.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

const LABELS: Record<Figure, Parameters<Translate>[0]> = { metOnTime: 'metOnTime', metLate: 'metLate', breached: 'breached', open: 'openStages', failed: 'failedStages' };

export function boardBody(t: Translate, report: SlaReport, webUi: WebUi): SafeHtml {
  const period = { from: report.from, to: report.to };
  const query = `from=${report.from}&to=${report.to}`;
  const cell = (row: SlaReport['rows'][number], figure: Figure) =>
    html`<td class="number ${figure}"><a href="${webUiLink(webUi, figureQuery(row, figure, period))}" title="${t('openInTemporal')}" data-figure="${figure}">${row[figure]}</a></td>`;
  const trend: { labels: Record<keyof SlaFigures, string>; days: SlaReport['trend'] } = {
    labels: { metOnTime: t('metOnTime'), metLate: t('metLate'), breached: t('breached'), open: t('openStages'), failed: t('failedStages') },
    days: report.trend,
  };
  return html`<form class="period" method="get" action="/ui/sla">
  <label>${t('from')}<input type="date" name="from" value="${report.from}"></label>
  <label>${t('to')}<input type="date" name="to" value="${report.to}"></label>
  <button type="submit">${t('show')}</button>
  <a href="/ui/reports/sla.csv?${query}" id="download-csv">${t('downloadCsv')}</a>
  <a href="/ui/reports/sla.json?${query}" id="download-json">${t('downloadJson')}</a>
</form>
${
  report.rows.length === 0
    ? html`<p>${t('noStages')}</p>`
    : html`<table id="sla">
<thead><tr><th>${t('agency')}</th><th>${t('process')}</th>${FIGURES.map((f) => html`<th>${t(LABELS[f])}</th>`)}</tr></thead>
<tbody>${report.rows.map(
        (row) => html`<tr data-agency="${row.agencyId ?? ''}" data-process="${row.process}"><td>${row.agencyId ?? t('platformStages')}</td><td>${known(t, 'process', row.process)}</td>${FIGURES.map((f) => cell(row, f))}</tr>`,
      )}</tbody>
</table>
<h2>${t('trend')}</h2>
<div id="trend"></div>
<script type="application/json" id="trend-data">${new SafeHtml(JSON.stringify(trend).replaceAll('<', '\\u003c'))}</script>`
}`;
}

const TROUBLE_LABELS: Record<Trouble['kind'], Parameters<Translate>[0]> = {
  failed: 'trouble:failed',
  'workflow-task-failing': 'trouble:workflow-task-failing',
  'activity-retrying': 'trouble:activity-retrying',
};

/** The processes in trouble, under the board: each with its reason and a link to it in the Temporal Web UI. */
export function troublesPanel(t: Translate, troubles: Trouble[]): SafeHtml {
  return html`<h2 id="troubles-heading">${t('troubles')}</h2>
${
  troubles.length === 0
    ? html`<p id="no-troubles">${t('noTroubles')}</p>`
    : html`<table id="troubles" aria-labelledby="troubles-heading">
<thead><tr><th>${t('troubleKind')}</th><th>${t('process')}</th><th>${t('workflow')}</th><th>${t('reason')}</th><th>${t('since')}</th></tr></thead>
<tbody>${troubles.map(
        (trouble) =>
          html`<tr data-kind="${trouble.kind}"><td>${t(TROUBLE_LABELS[trouble.kind])}</td><td><code>${trouble.workflowType}</code></td><td><a href="${trouble.webUiUrl}" title="${t('openInTemporal')}"><code>${trouble.workflowId}</code></a></td><td><code>${trouble.activityType ? `${trouble.activityType} (${trouble.attempt}): ` : ''}${trouble.reason}</code></td><td>${shanghaiTime(trouble.since)}</td></tr>`,
      )}</tbody>
</table>`
}`;
}
