import { dueDayOf } from '../../domain/working-days';
import type { CaseView, TaskEventView, TaskView } from '../shared/task-view';
import type { RecordType } from '../../domain/record-types';
import { decisionForm, type PostedForm } from './decision-form';
import { html, type SafeHtml } from './html';
import { dayWords, known, timeWords, type Translate } from './i18n';
import type { Speech } from './speech';
import type { Words } from './vocabulary';

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

/** What a task is about, in words: the record's type and reference and its sharer, or a declaration's type and title. */
function about(speech: Speech, task: TaskView): SafeHtml {
  const { t, w } = speech;
  if (task.context.target === 'score') return html`${t('aboutScore')}`;
  const type = task.about.recordType ? w('type', task.about.recordType) : '';
  const what = task.about.title ? html`${type} <span class="user-text">「${task.about.title}」</span>` : html`${type}${task.about.reference ? html` <code>${task.about.reference}</code>` : ''}`;
  const sharer = task.about.sharerName ? html` · <span class="user-text">${task.about.sharerName}</span>` : '';
  return html`${what}${sharer}`;
}

export function inboxBody(speech: Speech, tasks: TaskView[], filters: InboxFilters, now = new Date()): SafeHtml {
  const { t, w, language } = speech;
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
    return html`<tr class="${mark ?? ''}" data-task="${task.id}" data-subject="${task.subject}">
  <td>${task.dueAt ? dayWords(language, dueDayOf(new Date(task.dueAt))) : '—'} ${mark ? html`<span class="badge ${mark}">${t(mark === 'overdue' ? 'overdue' : 'dueSoon')}</span>` : ''}</td>
  <td class="number">${task.workingDaysLeft ?? '—'}</td>
  <td>${known(t, 'process', task.process)}</td>
  <td><a href="/ui/tasks/${task.id}">${w('kind', task.kind)}</a></td>
  <td>${about(speech, task)}</td>
  <td class="state">${state(t, task.state)}</td>
  <td><span class="user-text">${task.claimedBy ?? ''}</span></td>
</tr>`;
  });
  return html`${filterForm}<table id="tasks">
<thead><tr><th>${t('dueDay')}</th><th>${t('workingDaysLeft')}</th><th>${t('process')}</th><th>${t('kind')}</th><th>${t('about')}</th><th>${t('state')}</th><th>${t('claimedBy')}</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/** What a task page's forms do, each through its API route. */
export const TASK_ACTIONS = ['claim', 'release', 'remind', 'decide'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

export interface TaskPageState {
  csrf: string;
  /** Who looks: a supervisor acts on the task (releases a claim, reminds) rather than deciding it. */
  role: string;
  /** A refusal to show in place of the form's result. */
  refusal?: SafeHtml;
  /** The action just taken (after the redirect that follows it). */
  done?: TaskAction;
  /** What the reviewer had entered, kept when the decision is refused. */
  entered?: PostedForm;
}

/** A detail's value in words where it is a code the pages know (a procedure, a capacity, yes and no). */
function detailValue(w: Words, item: unknown): SafeHtml {
  if (typeof item === 'boolean') return html`${w('value', String(item))}`;
  if (typeof item === 'string') {
    const worded = w('value', item);
    return worded === item ? html`<span class="user-text">${item}</span>` : html`${worded}`;
  }
  return html`<span class="user-text">${JSON.stringify(item)}</span>`;
}

function detailsList(w: Words, details: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(details).filter(([, item]) => item !== null && item !== undefined);
  if (entries.length === 0) return html`—`;
  return html`<dl class="details">${entries.map(([key, item]) => html`<dt>${w('field', key)}</dt><dd>${detailValue(w, item)}</dd>`)}</dl>`;
}

function evidenceList(w: Words, evidence: { kind: string; ref: string }[]): SafeHtml {
  if (evidence.length === 0) return html`—`;
  return html`<ul class="evidence">${evidence.map((item) => html`<li>${w('evidence', item.kind)}: <span class="user-text">${item.ref}</span></li>`)}</ul>`;
}

/** The case in front of the reviewer (`GET /tasks/{id}/case`): the record, what was applied for, and the decisions before this one. */
function caseBody(speech: Speech, task: TaskView, view: CaseView): SafeHtml {
  const { t, w, language } = speech;
  const record = view.record;
  const taskId = task.id;
  const correctable = task.decisionInputs.correctionOf ?? [];
  const recordPart = record
    ? html`<h2>${t('record')}</h2>
<dl id="record">
  <dt>${t('recordType')}</dt><dd>${w('type', record.typeCode)} · ${w('category', record.category)}</dd>
  ${record.tier ? html`<dt>${t('tier')}</dt><dd>${w('tier', record.tier)}</dd>` : ''}
  <dt>${t('reference')}</dt><dd><code>${record.reference}</code></dd>
  <dt>${t('sharer')}</dt><dd><span class="user-text">${record.sharerName ?? ''}</span> <code>${record.sharerId}</code></dd>
  <dt>${t('formedOn')}</dt><dd>${dayWords(language, record.formedOn)}</dd>
  <dt>${t('sharedAt')}</dt><dd>${timeWords(language, record.sharedAt)}</dd>
  <dt>${t('recordStatus')}</dt><dd>${w('status', record.status)}${record.disputed ? html` <span class="badge due-soon">${t('disputed')}</span>` : ''}</dd>
  <dt>${t('details')}</dt><dd>${detailsList(w, record.details)}</dd>
  <dt>${t('evidence')}</dt><dd>${evidenceList(w, record.evidence)}</dd>
</dl>
<h3>${t('versions')}</h3>
<table id="versions"><thead><tr><th>${t('version')}</th><th>${t('formedOn')}</th><th>${t('recordStatus')}</th><th>${t('details')}</th><th>${t('changedBy')}</th><th>${t('supersededAt')}</th></tr></thead>
<tbody>${record.versions.map(
        (version) =>
          html`<tr><td class="number">${version.version}</td><td>${dayWords(language, version.formedOn)}</td><td>${w('status', version.status)}</td><td>${detailsList(w, version.details)}</td><td><span class="user-text">${version.changedBy}</span>${version.changeReason ? html`<br><span class="user-text">${version.changeReason}</span>` : ''}</td><td>${version.supersededAt ? timeWords(language, version.supersededAt) : t('current')}</td></tr>`,
      )}</tbody></table>`
    : '';
  const { application } = view;
  const declared = application.declared
    ? html`<dt>${t('declared')}</dt><dd>${w('type', application.declared.typeCode)} · ${w('category', application.declared.category)} · ${dayWords(language, application.declared.formedOn)}${detailsList(w, application.declared.details)}</dd>`
    : '';
  const route = application.route
    ? html`<dt>${t('route')}</dt><dd>${w('route', application.route)}${
        application.terms && typeof application.terms.threshold === 'number' ? html` · ${t('threshold')} ${application.terms.threshold}` : ''
      }</dd>`
    : '';
  const applicationPart = html`<h2>${t('application')}</h2>
<dl id="application">
  ${application.reason ? html`<dt>${t('reason')}</dt><dd><span class="user-text">${application.reason}</span></dd>` : ''}
  ${route}${declared}
  <dt>${t('evidence')}</dt><dd>${evidenceList(w, application.evidence)}</dd>
</dl>`;
  const linesPart = view.scoreLines.length
    ? html`<h2>${t('scoreLines')}</h2>
<table id="score-lines"><thead><tr><th>${t('recordType')}</th><th>${t('formedOn')}</th><th>${t('points')}</th><th></th></tr></thead>
<tbody>${view.scoreLines.map(
        (line) =>
          html`<tr><td>${w('type', line.typeCode)} · ${w('category', line.category)}</td><td>${dayWords(language, line.formedOn)}</td><td class="number">${line.points}</td><td>${
            !correctable.includes(line.recordId)
              ? ''
              : line.recordId === record?.id
                ? html`<span class="badge">${t('chosenForCorrection')}</span>`
                : html`<a href="/ui/tasks/${taskId}?record=${line.recordId}#record">${t('correctThis')}</a>`
          }</td></tr>`,
      )}</tbody></table>`
    : '';
  const decisionsPart = view.decisions.length
    ? html`<h2>${t('earlierDecisions')}</h2>
<table id="decisions"><thead><tr><th>${t('at')}</th><th>${t('kind')}</th><th>${t('decision')}</th><th>${t('reasons')}</th><th>${t('actor')}</th></tr></thead>
<tbody>${view.decisions.map(
        (done) =>
          html`<tr><td>${done.at ? timeWords(language, done.at) : ''}</td><td>${w('kind', done.kind)}</td><td>${w('decision', done.decision)}</td><td><span class="user-text">${done.reasons}</span></td><td><span class="user-text">${done.actor ?? ''}</span></td></tr>`,
      )}</tbody></table>`
    : '';
  return html`${linesPart}${recordPart}${applicationPart}${decisionsPart}`;
}

/** What a step of the task's history adds: a decision and its reasons, whose claim a supervisor ended, whom a reminder went to. */
function eventDetail({ t, w }: Speech, event: TaskEventView): SafeHtml | string {
  const { decision, reasons, releasedFrom, to } = event.detail;
  if (typeof decision === 'string') return html`${w('decision', decision)}${typeof reasons === 'string' ? html`: <span class="user-text">${reasons}</span>` : ''}`;
  if (typeof releasedFrom === 'string') return html`${t('releasedFrom')} <span class="user-text">${releasedFrom}</span>`;
  if (typeof to === 'string') return html`${t('remindedTo')} <span class="user-text">${w('role', to)}</span>`;
  return '';
}

export function taskBody(speech: Speech, task: TaskView, view: CaseView, catalogue: RecordType[], events: TaskEventView[], page: TaskPageState, now = new Date()): SafeHtml {
  const { t, w, language } = speech;
  const mark = urgency(task, now);
  const unfinished = task.state === 'open' || task.state === 'claimed';
  const action = (name: Exclude<TaskAction, 'decide'>) =>
    html`<form method="post" action="/ui/tasks/${task.id}/${name}" class="inline"><input type="hidden" name="_csrf" value="${page.csrf}"><button type="submit" id="${name}">${t(name)}</button></form>`;
  // A supervisor does not decide: they end a claim left by someone absent, or remind whoever holds the task.
  const actions =
    page.role === 'supervisor'
      ? html`<h2>${t('supervise')}</h2><p>${task.claimedBy ? action('release') : ''}${action('remind')}</p>`
      : html`<p>${task.claimedBy ? action('release') : action('claim')}</p><h2>${t('decide')}</h2>${decisionForm(speech, task, view, catalogue, page.csrf, page.entered)}`;
  return html`<p><a href="/ui/inbox">${t('back')}</a></p>
${page.done ? html`<div class="notice" role="status">${t(`done:${page.done}`)}</div>` : ''}
${page.refusal ?? ''}
<dl>
  <dt>${t('process')}</dt><dd>${known(t, 'process', task.process)}</dd>
  <dt>${t('kind')}</dt><dd>${w('kind', task.kind)}</dd>
  <dt>${t('about')}</dt><dd>${about(speech, task)}</dd>
  <dt>${t('state')}</dt><dd id="task-state">${state(t, task.state)}</dd>
  <dt>${t('dueAt')}</dt><dd id="due">${task.dueAt ? timeWords(language, task.dueAt) : '—'} ${mark ? html`<span class="badge ${mark}">${t(mark === 'overdue' ? 'overdue' : 'dueSoon')}</span>` : ''}</dd>
  <dt>${t('workingDaysLeft')}</dt><dd>${task.workingDaysLeft ?? '—'}</dd>
  <dt>${t('claimedBy')}</dt><dd id="claimed-by">${task.claimedBy ? html`<span class="user-text">${task.claimedBy}</span>${task.claimedAt ? html` (${t('claimedAt')} ${timeWords(language, task.claimedAt)})` : ''}` : '—'}</dd>
</dl>
${caseBody(speech, task, view)}
${unfinished ? actions : ''}
<h2>${t('history')}</h2>
<table id="history"><thead><tr><th>${t('at')}</th><th>${t('event')}</th><th>${t('actor')}</th><th>${t('eventDetail')}</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr><td>${timeWords(language, e.at)}</td><td>${w('event', e.event)}</td><td><span class="user-text">${e.actor ?? ''}</span></td><td>${eventDetail(speech, e)}</td></tr>`,
  )}</tbody></table>`;
}
