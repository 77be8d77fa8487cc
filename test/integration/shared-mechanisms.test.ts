import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRegisterActivities } from '../../src/activities/register';
import { createSlaActivities } from '../../src/activities/shared/sla';
import { loadCalendar } from '../../src/db/calendar';
import { enqueueNotifications } from '../../src/db/notifications';
import { QueryLog } from '../../src/db/query-log';
import { upsertPerson } from '../../src/db/record-store/writes';
import { IdentityProtection } from '../../src/db/persons';
import { withTransaction } from '../../src/db/transaction';
import { parseIdentityNumber } from '../../src/domain/identity-number';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('Shared mechanisms on a real Postgres', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('has every published year of the package seeded, and marks days of 2027 provisional', async () => {
    const years = await db.pool.query('SELECT min(year) AS first, max(year) AS last, count(*)::int AS n FROM calendar_years');
    expect(years.rows[0]).toEqual({ first: 2004, last: 2026, n: 23 });
    const calendar = await loadCalendar(db.pool, [2026]);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true);
    expect(calendar.usedProvisionalDays).toBe(false);
    expect(calendar.isWorkingDay('2027-01-01')).toBe(false);
    expect(calendar.usedProvisionalDays).toBe(true);
  });

  it('writes an SLA stage once however often a retried activity runs', async () => {
    const sla = createSlaActivities({ pool: db.pool });
    const input = {
      stageKey: '6f1f0e0c-2b1a-4c3d-9e8f-000000000001',
      workflowId: 'record-sharing/city-court/A-1',
      spec: { process: 'record-sharing', stage: 'share-record', article: 'Art. 10', workingDays: 7, responsible: { role: 'agency' as const, agencyId: 'city-court' } },
      startedAt: '2026-09-30T02:00:00Z',
    };
    const first = await sla.openSlaStage(input);
    const again = await sla.openSlaStage(input);
    expect(again).toEqual(first);
    expect(first.dueAt).toBe('2026-10-15T16:00:00.000Z');

    await sla.remindSlaStage({ stageKey: input.stageKey, at: '2026-10-14T16:00:00Z' });
    await sla.remindSlaStage({ stageKey: input.stageKey, at: '2026-10-14T16:00:05Z' });
    await sla.breachSlaStage({ stageKey: input.stageKey, at: '2026-10-15T16:00:00Z' });
    await sla.breachSlaStage({ stageKey: input.stageKey, at: '2026-10-15T16:00:09Z' });
    expect(await sla.closeSlaStage({ stageKey: input.stageKey, at: '2026-10-16T01:00:00Z' })).toBe('breached');
    expect(await sla.closeSlaStage({ stageKey: input.stageKey, at: '2026-10-16T02:00:00Z' })).toBe('breached');

    const stages = await db.pool.query('SELECT state, reminded_at, breached_at, finished_at FROM sla_stages');
    expect(stages.rows).toHaveLength(1);
    expect(stages.rows[0].reminded_at.toISOString()).toBe('2026-10-14T16:00:00.000Z');
    expect(stages.rows[0].breached_at.toISOString()).toBe('2026-10-15T16:00:00.000Z');
    expect(stages.rows[0].finished_at.toISOString()).toBe('2026-10-16T01:00:00.000Z');
    const sent = await db.pool.query('SELECT kind, recipient_role FROM notifications ORDER BY kind');
    expect(sent.rows).toEqual([
      { kind: 'sla-breach', recipient_role: 'agency' },
      { kind: 'sla-escalation', recipient_role: 'supervisor' },
      { kind: 'sla-reminder', recipient_role: 'agency' },
    ]);
  });

  it('keeps the outbox idempotent on the notification id', async () => {
    const notice = { id: 'test/once', recipientRole: 'person', recipientId: 'p-1', kind: 'record-added' };
    expect(await enqueueNotifications(db.pool, [notice])).toBe(1);
    expect(await enqueueNotifications(db.pool, [notice])).toBe(0);
  });

  it('Art. 22 keeps the query log append-only', async () => {
    await db.pool.query(
      `INSERT INTO query_log (actor_role, actor_id, person_id, purpose, legal_basis)
       VALUES ('requester', 'bank-1', gen_random_uuid(), 'lending', 'Art. 15 authorization')`,
    );
    await expect(db.pool.query('DELETE FROM query_log')).rejects.toThrow(/append-only/);
    await expect(db.pool.query("UPDATE query_log SET purpose = 'other'")).rejects.toThrow(/append-only/);
    await expect(db.pool.query('TRUNCATE query_log')).rejects.toThrow(/append-only/);
    // Each month's partition refuses the same, reached directly.
    const month = (await db.pool.query<{ partition: string }>(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', '"query_log_"YYYY_MM') AS partition`)).rows[0]!.partition;
    await expect(db.pool.query(`DELETE FROM ${month}`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`TRUNCATE ${month}`)).rejects.toThrow(/append-only/);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM query_log')).rows[0].n).toBe(1);
  });

  it('Art. 22 registers reads by group commit: every read stored before it is answered, those arriving during a write in the next one', async () => {
    const reader = { role: 'ndrc' as const, subject: 'group-commit-reviewer', realName: false };
    // The first INSERT is held in flight until every read is asked for, as a slow commit would be,
    // so what gathers behind it does not depend on how busy the machine is.
    const query = db.pool.query.bind(db.pool) as (text: unknown, values?: unknown) => Promise<unknown>;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const inserts = vi.spyOn(db.pool, 'query').mockImplementation(((text: unknown, values?: unknown) => {
      if (first && String(text).startsWith('INSERT INTO query_log')) {
        first = false;
        return held.then(() => query(text, values));
      }
      return query(text, values);
    }) as never);
    const queryLog = new QueryLog(db.pool);
    const stored: string[] = [];
    const reads: Promise<void>[] = [];
    // Four turns of the event loop, 50 reads each: the first turn's are written while the next
    // three gather behind them.
    for (let turn = 0; turn < 4; turn++) {
      for (let i = 0; i < 50; i++) {
        const personId = randomUUID();
        reads.push(queryLog.personRead(reader, [personId], 'group commit', 'test').then(() => void stored.push(personId)));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(stored).toHaveLength(0);
    release();
    await Promise.all(reads);
    const statements = inserts.mock.calls.filter(([text]) => String(text).startsWith('INSERT INTO query_log'));
    inserts.mockRestore();
    expect(statements).toHaveLength(2);
    const rows = await db.pool.query<{ person_id: string }>(`SELECT person_id FROM query_log WHERE actor_id = 'group-commit-reviewer'`);
    expect(rows.rows.map((row) => row.person_id).sort()).toEqual([...stored].sort());
    expect(stored).toHaveLength(200);
  });

  it('Art. 22 keeps the register by month, a year of partitions ahead, so a month past its three years can be archived whole', async () => {
    const partitions = async () =>
      (await db.pool.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'query_log'::regclass ORDER BY 1`)).rows.map(
        (row) => row.name,
      );
    const now = new Date();
    const shanghai = new Date(now.getTime() + 8 * 3600_000);
    const monthName = (offset: number) => {
      const day = new Date(Date.UTC(shanghai.getUTCFullYear(), shanghai.getUTCMonth() + offset, 1));
      return `query_log_${day.getUTCFullYear()}_${String(day.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    expect(await partitions()).toEqual(expect.arrayContaining([monthName(0), monthName(12)]));
    const before = await partitions();
    expect((await db.pool.query('SELECT query_log_ensure_partitions(CURRENT_DATE, CURRENT_DATE + 365) AS created')).rows[0].created).toBe(0);
    expect((await db.pool.query(`SELECT query_log_ensure_partitions(CURRENT_DATE, (CURRENT_DATE + interval '14 months')::date) AS created`)).rows[0].created).toBe(2);
    expect(await partitions()).toHaveLength(before.length + 2);
    // A month starts at midnight in Jinan: 16:30 UTC on a month's last day is 00:30 of the next month there.
    const edge = new Date(Date.UTC(shanghai.getUTCFullYear(), shanghai.getUTCMonth() + 1, 0, 16, 30));
    await db.pool.query(`INSERT INTO query_log (at, actor_role, actor_id, person_id, purpose, legal_basis) VALUES ($1, 'ndrc', 'reviewer', gen_random_uuid(), 'edge', 'test')`, [edge]);
    const stored = await db.pool.query<{ partition: string }>(`SELECT tableoid::regclass::text AS partition FROM query_log WHERE purpose = 'edge'`);
    expect(stored.rows[0]!.partition).toBe(monthName(1));
  });

  it('Art. 22 upkeep keeps a year of partitions ready and names the months past three years for archiving, dropping nothing', async () => {
    const upkeep = createRegisterActivities({ pool: db.pool });
    await db.pool.query(`SELECT query_log_ensure_partitions('2022-01-01', '2022-02-01')`);
    await db.pool.query(`INSERT INTO query_log (at, actor_role, actor_id, person_id, purpose, legal_basis) VALUES ('2022-01-15T12:00:00Z', 'ndrc', 'reviewer', gen_random_uuid(), 'old', 'test')`);
    expect(await upkeep.keepRegister()).toEqual({ created: 0, archivable: ['query_log_2022_01', 'query_log_2022_02'] });
    expect(await upkeep.keepRegister()).toEqual({ created: 0, archivable: ['query_log_2022_01', 'query_log_2022_02'] });
    const told = await db.pool.query(`SELECT body FROM notifications WHERE kind = 'register-archivable'`);
    expect(told.rows).toEqual([{ body: { partitions: ['query_log_2022_01', 'query_log_2022_02'] } }]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM query_log WHERE purpose = 'old'`)).rows[0].n).toBe(1);
  });

  it('Art. 22 stores identity numbers only encrypted, found through a keyed hash', async () => {
    const protection = new IdentityProtection(testConfig);
    const register = (value: string) => {
      const parsed = parseIdentityNumber(value);
      if (!parsed.ok) throw new Error(parsed.reason);
      return withTransaction(db.pool, (client) => upsertPerson(client, protection.sealedPerson(parsed.identity)));
    };
    const { id, birth_date } = await register('11010519491231002X');
    expect(birth_date).toBe('1949-12-31');
    expect((await register('11010519491231002x')).id).toBe(id);
    const rows = await db.pool.query('SELECT id_number_hash, id_number_encrypted FROM persons');
    expect(rows.rows).toHaveLength(1);
    const stored = Buffer.concat([rows.rows[0].id_number_hash, rows.rows[0].id_number_encrypted]);
    expect(stored.includes('11010519491231002X')).toBe(false);
    expect(protection.decrypt(rows.rows[0].id_number_encrypted)).toBe('11010519491231002X');
  });
});
