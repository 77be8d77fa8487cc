import type { Queryable } from './pool';

export interface Notification {
  /** The idempotency key: a retried activity that enqueues the same notice writes nothing new. */
  id: string;
  recipientRole: string;
  recipientId?: string | null;
  kind: string;
  workflowId?: string | null;
  /** Opaque ids and dates only: the outbox is read by a sender, never shown in logs. */
  body?: Record<string, unknown>;
}

/** Puts notifications into the outbox; returns how many were new. */
export async function enqueueNotifications(db: Queryable, notifications: Notification[]): Promise<number> {
  if (notifications.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO notifications (id, recipient_role, recipient_id, kind, workflow_id, body)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
     ON CONFLICT (id) DO NOTHING`,
    [
      notifications.map((n) => n.id),
      notifications.map((n) => n.recipientRole),
      notifications.map((n) => n.recipientId ?? null),
      notifications.map((n) => n.kind),
      notifications.map((n) => n.workflowId ?? null),
      notifications.map((n) => JSON.stringify(n.body ?? {})),
    ],
  );
  return result.rowCount ?? 0;
}
