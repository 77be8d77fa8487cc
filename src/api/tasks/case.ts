import type pg from 'pg';
import type { CaseView } from '../shared/task-view';
import type { TaskRow } from './queries';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function evidenceOf(value: unknown): { kind: string; ref: string }[] {
  return Array.isArray(value) ? value.filter((item): item is { kind: string; ref: string } => typeof item?.kind === 'string' && typeof item?.ref === 'string') : [];
}

/** The lines of the score an objection to the score disputes, from the task's context. */
function scoreLinesOf(context: Record<string, unknown>): CaseView['scoreLines'] {
  const score = context.score as { breakdown?: { lines?: unknown } } | null | undefined;
  const lines = score?.breakdown?.lines;
  if (!Array.isArray(lines)) return [];
  return lines
    .filter((line): line is CaseView['scoreLines'][number] => typeof line?.recordId === 'string' && typeof line?.typeCode === 'string' && typeof line?.points === 'number')
    .map(({ recordId, typeCode, category, formedOn, points }) => ({ recordId, typeCode, category: String(category), formedOn: String(formedOn), points }));
}

/**
 * The case behind a task, read once: its record and that record's versions, what was applied for,
 * and the process's earlier decisions. A task that may correct one of several records (an
 * objection to the score) shows the one `chosen`, if it is one of them.
 */
export async function caseOf(pool: pg.Pool, task: TaskRow, chosen?: string): Promise<CaseView> {
  const context = task.context;
  const own = typeof context.recordId === 'string' && UUID.test(context.recordId) ? context.recordId : null;
  const recordId = own ?? (chosen && task.decision_inputs?.correctionOf?.includes(chosen) ? chosen : null);
  const [record, history, decisions] = await Promise.all([
    recordId
      ? pool.query<{
          id: string; reference: string; sharer_id: string; sharer_name: string | null; category: string; type_code: string; severity: string | null; formed_on: string;
          shared_at: Date; status: string; version: number; details: Record<string, unknown>; evidence: unknown; disputed_by: string | null; changed_by: string; change_reason: string | null;
        }>(
          `SELECT r.id, r.reference, r.sharer_id, a.name AS sharer_name, r.category, r.type_code, coalesce(r.tier, t.severity) AS severity, r.formed_on::text, r.shared_at, r.status, r.version, r.details,
                  r.evidence, r.disputed_by, r.changed_by, r.change_reason
           FROM records r LEFT JOIN agencies a ON a.id = r.sharer_id LEFT JOIN record_types t ON t.code = r.type_code WHERE r.id = $1`,
          [recordId],
        )
      : undefined,
    recordId
      ? pool.query<{ version: number; status: string; formed_on: string; details: Record<string, unknown>; changed_by: string; change_reason: string | null; superseded_at: Date }>(
          'SELECT version, status, formed_on::text, details, changed_by, change_reason, superseded_at FROM record_history WHERE id = $1 ORDER BY version DESC',
          [recordId],
        )
      : undefined,
    pool.query<{ id: string; kind: string; decision: { decision?: string; reasons?: string } | null; completed_by: string | null; completed_at: Date | null }>(
      `SELECT id, kind, decision, completed_by, completed_at FROM tasks WHERE workflow_id = $1 AND state = 'completed' AND id <> $2 ORDER BY completed_at`,
      [task.workflow_id, task.id],
    ),
  ]);
  const row = record?.rows[0];
  const declared = task.process === 'declaration' && typeof context.typeCode === 'string';
  return {
    record: row
      ? {
          id: row.id,
          reference: row.reference,
          sharerId: row.sharer_id,
          sharerName: row.sharer_name,
          category: row.category,
          typeCode: row.type_code,
          tier: row.severity,
          formedOn: row.formed_on,
          sharedAt: row.shared_at.toISOString(),
          status: row.status,
          details: row.details,
          evidence: evidenceOf(row.evidence),
          disputed: row.disputed_by !== null,
          versions: [
            { version: row.version, status: row.status, formedOn: row.formed_on, details: row.details, changedBy: row.changed_by, changeReason: row.change_reason, supersededAt: null },
            ...(history?.rows ?? []).map((version) => ({
              version: version.version,
              status: version.status,
              formedOn: version.formed_on,
              details: version.details,
              changedBy: version.changed_by,
              changeReason: version.change_reason,
              supersededAt: version.superseded_at.toISOString(),
            })),
          ],
        }
      : null,
    application: {
      reason: typeof context.reason === 'string' ? context.reason : null,
      evidence: evidenceOf(context.evidence),
      route: typeof context.route === 'string' ? context.route : null,
      terms: context.terms !== null && typeof context.terms === 'object' ? (context.terms as Record<string, unknown>) : null,
      declared: declared
        ? {
            category: String(context.category),
            typeCode: String(context.typeCode),
            formedOn: String(context.formedOn),
            details: context.details !== null && typeof context.details === 'object' ? (context.details as Record<string, unknown>) : {},
          }
        : null,
    },
    scoreLines: scoreLinesOf(context),
    decisions: decisions.rows.map((done) => ({
      taskId: done.id,
      kind: done.kind,
      decision: done.decision?.decision ?? '',
      reasons: done.decision?.reasons ?? '',
      actor: done.completed_by,
      at: done.completed_at?.toISOString() ?? '',
    })),
  };
}
