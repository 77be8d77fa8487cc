import { SEVERITIES } from '../../domain/record';
import type { RecordType } from '../../domain/record-types';
import type { CaseView, TaskView } from '../shared/task-view';
import { html, type SafeHtml } from './html';
import { dayWords } from './i18n';
import type { Speech } from './speech';

/** A form as the browser posts it: a field once, or a repeated field (evidence rows, instalments) as a list. */
export type PostedForm = Record<string, string | string[] | undefined>;

const EVIDENCE_KINDS = ['document', 'decision', 'certificate', 'url', 'other'] as const;
/** Rows a page offers for evidence and instalments beyond what is filled in; empty rows are ignored. */
const EVIDENCE_ROWS = 3;
const SCHEDULE_ROWS = 6;

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function one(value: string | string[] | undefined): string {
  return list(value)[0] ?? '';
}

const detailField = (typeCode: string, name: string) => `detail.${typeCode}.${name}`;

/** The record types a correction may choose: those of the record's category, in the catalogue. */
export function typesFor(catalogue: RecordType[], category: string): RecordType[] {
  return catalogue.filter((type) => type.category === category);
}

/**
 * The decision a task page posts, as the API's completion body: the decision and its reasons,
 * and, for a decision that carries them (the form says which, from the task's `decisionInputs`),
 * the corrected record (its type's details read by the catalogue's kinds) or the schedule of
 * instalments. The API and the process check it all, and refuse with the field.
 */
export function decisionBody(posted: PostedForm, catalogue: RecordType[]): Record<string, unknown> {
  const decision = one(posted.decision);
  const carries = (field: string) => one(posted[field]).split(' ').includes(decision);
  const body: Record<string, unknown> = { decision, reasons: one(posted.reasons) };
  if (carries('correctionFor')) {
    const typeCode = one(posted.typeCode);
    const type = catalogue.find((entry) => entry.code === typeCode);
    const details: Record<string, unknown> = {};
    for (const field of type?.details ?? []) {
      const raw = one(posted[detailField(typeCode, field.name)]).trim();
      if (raw === '') continue;
      if (field.kind === 'boolean') details[field.name] = raw === 'true';
      else if (field.kind === 'number' || field.kind === 'integer') details[field.name] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
      else details[field.name] = raw;
    }
    const kinds = list(posted.evidenceKind);
    const evidence = list(posted.evidenceRef)
      .map((ref, i) => ({ kind: kinds[i] ?? 'document', ref: ref.trim() }))
      .filter((item) => item.ref !== '');
    const tier = one(posted.tier);
    body.correction = { typeCode, formedOn: one(posted.formedOn), ...(tier === '' ? {} : { tier }), details, evidence };
    if (one(posted.recordId) !== '') body.recordId = one(posted.recordId);
  }
  if (carries('scheduleFor')) {
    const amounts = list(posted.amountYuan);
    const rows = list(posted.dueOn)
      .map((dueOn, i) => ({ dueOn: dueOn.trim(), amount: (amounts[i] ?? '').trim() }))
      .filter((row) => row.dueOn !== '' || row.amount !== '');
    body.schedule = rows.map((row) => row.dueOn);
    // Amounts are optional, but all or none: a row without one is refused by the process, with its field.
    if (rows.some((row) => row.amount !== '')) body.amountsYuan = rows.map((row) => (row.amount === '' ? null : Number(row.amount)));
  }
  return body;
}

/** One detail of a record type as a control: a choice or yes/no as a list, a date, a number, text. */
function detailControl(speech: Speech, type: RecordType, field: RecordType['details'][number], value: string): SafeHtml {
  const { w, t } = speech;
  const id = `detail-${type.code}-${field.name}`;
  const name = detailField(type.code, field.name);
  const option = (code: string, label: string) => html`<option value="${code}"${value === code ? html` selected` : ''}>${label}</option>`;
  const control =
    field.kind === 'choice'
      ? html`<select id="${id}" name="${name}">${field.required ? '' : option('', '—')}${field.choices!.map((choice) => option(choice, w('value', choice)))}</select>`
      : field.kind === 'boolean'
        ? html`<select id="${id}" name="${name}">${option('', '—')}${option('true', w('value', 'true'))}${option('false', w('value', 'false'))}</select>`
        : field.kind === 'date'
          ? html`<input type="date" id="${id}" name="${name}" value="${value}">`
          : field.kind === 'number' || field.kind === 'integer'
            ? html`<input type="number" id="${id}" name="${name}" value="${value}"${field.min !== undefined ? html` min="${field.min}"` : ''} step="${field.kind === 'integer' ? '1' : 'any'}">`
            : html`<input type="text" id="${id}" name="${name}" value="${value}" maxlength="500">`;
  return html`<label for="${id}">${w('field', field.name)}${field.required ? html` <span class="required">(${t('required')})</span>` : ''}</label>${control}`;
}

/** A negative record's tier (Guobanfa [2025] 22); left empty, the record keeps its tier where the type allows it. */
function tierControl(speech: Speech, value: string): SafeHtml {
  const { t, w } = speech;
  const option = (code: string, label: string) => html`<option value="${code}"${value === code ? html` selected` : ''}>${label}</option>`;
  return html`<label for="tier">${t('tier')}</label>
  <select id="tier" name="tier">${option('', '—')}${SEVERITIES.map((tier) => option(tier, w('tier', tier)))}</select>`;
}

/** The corrected record: its type (of the record's category), its formation day, the type's details and the evidence, filled with what is entered or else the record as it stands. */
function correctionFields(speech: Speech, task: TaskView, view: CaseView, catalogue: RecordType[], entered: PostedForm | undefined): SafeHtml {
  const { t, w } = speech;
  const record = view.record;
  // A task that may correct one of several records corrects the one chosen in the case above.
  if (!record) return task.decisionInputs.correctionOf ? html`<p id="choose-record">${t('chooseRecord')}</p>` : html``;
  const typeCode = entered ? one(entered.typeCode) : record.typeCode;
  const types = typesFor(catalogue, record.category);
  const current = (type: RecordType, name: string): string => {
    if (entered) return one(entered[detailField(type.code, name)]);
    const value = type.code === record.typeCode ? record.details[name] : undefined;
    return value === undefined || value === null ? '' : String(value);
  };
  const evidenceRows = entered
    ? list(entered.evidenceRef)
        .map((ref, i) => ({ kind: list(entered.evidenceKind)[i] ?? 'document', ref }))
        .filter((item) => item.ref.trim() !== '')
    : record.evidence;
  const rows = [...evidenceRows, ...Array.from({ length: EVIDENCE_ROWS }, () => ({ kind: 'document', ref: '' }))];
  return html`<fieldset id="correction" data-for="${task.decisionInputs.correction.join(' ')}">
  <legend>${t('correction')}</legend>
  <input type="hidden" name="correctionFor" value="${task.decisionInputs.correction.join(' ')}">
  ${task.decisionInputs.correctionOf ? html`<input type="hidden" name="recordId" value="${record.id}">` : ''}
  <label for="typeCode">${t('recordType')}</label>
  <select id="typeCode" name="typeCode">${types.map((type) => html`<option value="${type.code}"${type.code === typeCode ? html` selected` : ''}>${w('type', type.code)}</option>`)}</select>
  <label for="formedOn">${t('formedOn')}</label>
  <input type="date" id="formedOn" name="formedOn" value="${entered ? one(entered.formedOn) : record.formedOn}">
  ${tierControl(speech, entered ? one(entered.tier) : '')}
  ${types.map(
    (type) => html`<fieldset class="details" data-type="${type.code}"${type.details.length === 0 ? html` data-empty` : ''}>
    <legend>${t('details')} · ${w('type', type.code)}</legend>
    ${type.details.length === 0 ? html`<p>${t('noDetails')}</p>` : type.details.map((field) => detailControl(speech, type, field, current(type, field.name)))}
  </fieldset>`,
  )}
  <fieldset class="rows">
    <legend>${t('evidence')}</legend>
    ${rows.map(
      (item, i) => html`<div class="row">
      <label for="evidence-kind-${i}">${t('evidenceKind')} ${i + 1}</label>
      <select id="evidence-kind-${i}" name="evidenceKind">${EVIDENCE_KINDS.map((kind) => html`<option value="${kind}"${item.kind === kind ? html` selected` : ''}>${w('evidence', kind)}</option>`)}</select>
      <label for="evidence-ref-${i}">${t('evidenceRef')} ${i + 1}</label>
      <input type="text" id="evidence-ref-${i}" name="evidenceRef" value="${item.ref}" maxlength="500">
    </div>`,
    )}
  </fieldset>
</fieldset>`;
}

/** A schedule's instalments: a due day and, when the grant says, an amount, one row each. */
function scheduleFields(speech: Speech, task: TaskView, entered: PostedForm | undefined): SafeHtml {
  const { t, language } = speech;
  const schedule = task.decisionInputs.schedule!;
  const days = list(entered?.dueOn);
  const amounts = list(entered?.amountYuan);
  const count = Math.min(schedule.maxDays, Math.max(SCHEDULE_ROWS, days.length));
  return html`<fieldset id="schedule" data-for="${schedule.decisions.join(' ')}">
  <legend>${t('schedule')}</legend>
  <p>${t('scheduleRule').replace('{max}', String(schedule.maxDays)).replace('{after}', dayWords(language, schedule.after))}</p>
  <input type="hidden" name="scheduleFor" value="${schedule.decisions.join(' ')}">
  ${Array.from(
    { length: count },
    (_, i) => html`<div class="row">
    <label for="due-on-${i}">${t('instalment').replace('{n}', String(i + 1))} · ${t('dueDay')}</label>
    <input type="date" id="due-on-${i}" name="dueOn" value="${days[i] ?? ''}" min="${schedule.after}">
    <label for="amount-${i}">${t('instalment').replace('{n}', String(i + 1))} · ${t('amountYuan')}</label>
    <input type="number" id="amount-${i}" name="amountYuan" value="${amounts[i] ?? ''}" min="0.01" step="0.01">
  </div>`,
  )}
</fieldset>`;
}

/**
 * The decision form of a task: the decisions it allows, the reasons, and the fields a decision
 * carries (a correction's, a schedule's), shown by the page's script for the decision chosen; a
 * browser without scripts shows them all, and only the chosen decision's are sent on.
 */
export function decisionForm(speech: Speech, task: TaskView, view: CaseView, catalogue: RecordType[], csrf: string, entered?: PostedForm): SafeHtml {
  const { t, w } = speech;
  const chosen = one(entered?.decision);
  return html`<form class="decision" method="post" action="/ui/tasks/${task.id}/decision">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="decision">${t('decision')}</label>
  <select name="decision" id="decision">${task.allowedDecisions.map((d) => html`<option value="${d}"${chosen === d ? html` selected` : ''}>${w('decision', d)}</option>`)}</select>
  <label for="reasons">${t('reasons')}</label>
  <textarea name="reasons" id="reasons" maxlength="4000">${one(entered?.reasons)}</textarea>
  ${task.decisionInputs.correction.length > 0 ? correctionFields(speech, task, view, catalogue, entered) : ''}
  ${task.decisionInputs.schedule ? scheduleFields(speech, task, entered) : ''}
  <button type="submit" id="submit-decision">${t('submit')}</button>
</form>`;
}
