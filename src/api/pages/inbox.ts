import { dueDayOf } from '../../domain/working-days';
import type { TaskEventView, TaskView } from '../shared/task-view';
import { html, type SafeHtml } from './html';
import { known, type Translate } from './i18n';

export interface InboxFilters {
  process?: string | undefined;
  state?: string | undefined;
  dueBefore?: string | undefined;
}

const PROCESSES = ['objection', 'declaration', 'repair', 'record-sharing'];
const STATES = ['open', 'claimed', 'completed', 'cancelled'] as const;

/** Whether an unfinished task is past its due time, or has at most a working day left. */
function urgency(task: TaskView, now: Date): 'overdue' | 'due-soon' | undefined {
  if (!task.dueAt || (task.state !== 'open' && task.state !== 'claimed')) return undefined;
  if (Date.parse(task.dueAt) <= now.getTime()) return 'overdue';
  return task.workingDaysLeft !== null && task.workingDaysLeft <= 1 ? 'due-soon' : undefined;
}

function state(t: Translate, value: string): string {
  return (STATES as readonly string[]).includes(value) ? t(value as (typeof STATES)[number]) : value;
}

export function inboxBody(t: Translate, tasks: TaskView[], filters: InboxFilters, now = new Date()): SafeHtml {
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${selected === value ? html` selected` : ''}>${label}</option>`;
  const filterForm = html`<form class="filters" method="get" action="/ui/inbox">
  <label>${t('process')}<select name="process">${option('', t('all'), filters.process ?? '')}${PROCESSES.map((p) => option(p, known(t, 'process', p), filters.process))}</select></label>
  <label>${t('state')}<select name="state">${option('', t('all'), filters.state ?? '')}${STATES.map((s) => option(s, t(s), filters.state))}</select></label>
  <label>${t('dueBefore')}<input type="date" name="dueBefore" value="${filters.dueBefore ?? ''}"></label>
  <button type="submit">${t('filter')}</button>
</form>`;
  if (tasks.length === 0) return html`${filterForm}<p>${t('noTasks')}</p>`;
  const rows = tasks.map((task) => {
    const mark = urgency(task, now);
    return html`<tr class="${mark ?? ''}" data-task="${task.id}">
  <td>${task.dueAt ? dueDayOf(new Date(task.dueAt)) : '—'} ${mark ? html`<span class="badge ${mark}">${t(mark === 'overdue' ? 'overdue' : 'dueSoon')}</span>` : ''}</td>
  <td class="number">${task.workingDaysLeft ?? '—'}</td>
  <td>${known(t, 'process', task.process)}</td>
  <td><a href="/ui/tasks/${task.id}">${task.kind}</a></td>
  <td>${task.subject}</td>
  <td class="state">${state(t, task.state)}</td>
  <td>${task.claimedBy ?? ''}</td>
</tr>`;
  });
  return html`${filterForm}<table id="tasks">
<thead><tr><th>${t('dueDay')}</th><th>${t('workingDaysLeft')}</th><th>${t('process')}</th><th>${t('kind')}</th><th>${t('subject')}</th><th>${t('state')}</th><th>${t('claimedBy')}</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

function value(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item);
}

export interface TaskPageState {
  csrf: string;
  /** A refusal to show in place of the form's result. */
  refusal?: SafeHtml;
  /** The decision was recorded (after the redirect that follows it). */
  decided?: boolean;
  /** What the reviewer had entered, kept when the decision is refused. */
  entered?: { decision?: string; reasons?: string };
}

export function taskBody(t: Translate, task: TaskView, events: TaskEventView[], view: TaskPageState, now = new Date()): SafeHtml {
  const mark = urgency(task, now);
  const unfinished = task.state === 'open' || task.state === 'claimed';
  const action = (name: 'claim' | 'release') =>
    html`<form method="post" action="/ui/tasks/${task.id}/${name}" class="inline"><input type="hidden" name="_csrf" value="${view.csrf}"><button type="submit" id="${name}">${t(name)}</button></form>`;
  const decisionForm = html`<form class="decision" method="post" action="/ui/tasks/${task.id}/decision">
  <input type="hidden" name="_csrf" value="${view.csrf}">
  <label>${t('decision')}<select name="decision" id="decision">${task.allowedDecisions.map(
    (d) => html`<option value="${d}"${view.entered?.decision === d ? html` selected` : ''}>${d}</option>`,
  )}</select></label>
  <label>${t('reasons')}<textarea name="reasons" id="reasons" maxlength="4000">${view.entered?.reasons ?? ''}</textarea></label>
  <button type="submit" id="submit-decision">${t('submit')}</button>
</form>`;
  return html`<p><a href="/ui/inbox">${t('back')}</a></p>
${view.decided ? html`<div class="notice" role="status">${t('decided')}</div>` : ''}
${view.refusal ?? ''}
<dl>
  <dt>${t('process')}</dt><dd>${known(t, 'process', task.process)}</dd>
  <dt>${t('kind')}</dt><dd>${task.kind}</dd>
  <dt>${t('subject')}</dt><dd>${task.subject}</dd>
  <dt>${t('state')}</dt><dd id="task-state">${state(t, task.state)}</dd>
  <dt>${t('dueDay')}</dt><dd>${task.dueAt ? dueDayOf(new Date(task.dueAt)) : '—'} ${mark ? html`<span class="badge ${mark}">${t(mark === 'overdue' ? 'overdue' : 'dueSoon')}</span>` : ''}</dd>
  <dt>${t('workingDaysLeft')}</dt><dd>${task.workingDaysLeft ?? '—'}</dd>
  <dt>${t('claimedBy')}</dt><dd>${task.claimedBy ?? '—'}</dd>
</dl>
<h2>${t('details')}</h2>
<dl id="context">${Object.entries(task.context).map(([key, item]) => html`<dt>${key}</dt><dd>${value(item)}</dd>`)}</dl>
${unfinished ? html`<p>${task.claimedBy ? action('release') : action('claim')}</p><h2>${t('decide')}</h2>${decisionForm}` : ''}
<h2>${t('history')}</h2>
<table id="history"><thead><tr><th>${t('at')}</th><th>${t('event')}</th><th>${t('actor')}</th><th></th></tr></thead>
<tbody>${events.map((e) => html`<tr><td>${e.at}</td><td>${e.event}</td><td>${e.actor ?? ''}</td><td>${Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''}</td></tr>`)}</tbody></table>`;
}
