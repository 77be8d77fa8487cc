import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReadViews } from '../../src/api/shared/read-views';
import { CHANGE_FEED_APPLICATION } from '../../src/db/change-feed';
import { activeModels, scorePersons, type PersonSelection } from '../../src/db/scores';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The hottest reads' views kept in an API instance's memory (issue 12, item 7) against a real
 * Postgres: every writer's change to a person's data drops that person's views, a bulk or shared
 * change drops all, and nothing is kept while the change feed is down.
 */
describe('Read views kept current by Postgres notifications', () => {
  let db: TestDatabase;
  let views: ReadViews;
  const logger = createLogger('silent');

  const addPerson = async () => {
    const id = randomUUID();
    await db.pool.query(`INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, civil_capacity) VALUES ($1, decode(md5($2), 'hex'), '\\x00', '1980-01-01', 'household', 'full')`, [id, id]);
    return id;
  };
  /** Reads `key` of `person`; says whether it was loaded from Postgres (true) or kept (false). */
  const loads = async (key: string, person: string, until?: Date) => {
    let loaded = false;
    await views.read(
      key,
      async () => {
        loaded = true;
        return key;
      },
      () => ({ persons: [person], ...(until ? { until } : {}) }),
    );
    return loaded;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => views?.close());
  afterAll(() => db?.drop());

  it("drops a person's views when any statement changes their data, and only theirs", async () => {
    views = await ReadViews.open(db.url, 100, logger);
    const [one, other] = [await addPerson(), await addPerson()];
    // Their insertions' notifications are heard before the views are read.
    await views.fence();
    const changes = [
      `UPDATE persons SET id_number_encrypted = '\\x01' WHERE id = $1`,
      `INSERT INTO agreements (id, person_id, text_version, channel, assurance, signed_by, signed_at)
       SELECT gen_random_uuid(), $1, version, 'app', 'real-name', 'test', now() FROM agreement_texts LIMIT 1`,
      `UPDATE agreements SET revoked_at = now(), revoked_by = 'test', revocation_channel = 'app' WHERE person_id = $1 AND revoked_at IS NULL`,
      `DELETE FROM agreements WHERE person_id = $1`,
    ];
    for (const change of changes) {
      await loads('one', one);
      await loads('other', other);
      expect([await loads('one', one), await loads('other', other)]).toEqual([false, false]);
      await db.pool.query(change, [one]);
      await views.fence();
      expect(await loads('one', one), change).toBe(true);
      expect(await loads('other', other), change).toBe(false);
    }
  });

  it('answers writes fenced at once: each waits for a notification sent after its change, one query at a time on the feed connection', async () => {
    views = await ReadViews.open(db.url, 100, logger);
    const persons = await Promise.all(Array.from({ length: 20 }, addPerson));
    await views.fence();
    for (const person of persons) await loads(person, person);
    const warnings: string[] = [];
    const warned = (warning: Error) => void warnings.push(warning.message);
    process.on('warning', warned);
    try {
      // As concurrent POSTs to one API instance: each changes its person, then fences before it answers.
      const stale = await Promise.all(
        persons.map(async (person) => {
          await db.pool.query(`UPDATE persons SET id_number_encrypted = '\\x03' WHERE id = $1`, [person]);
          await views.fence();
          return !(await loads(person, person));
        }),
      );
      expect(stale.filter(Boolean)).toHaveLength(0);
    } finally {
      process.off('warning', warned);
    }
    // pg queues a query sent while another runs on the same client, with a deprecation warning: gone in pg 9.
    expect(warnings.filter((message) => message.includes('already executing a query'))).toEqual([]);
  });

  it('drops every view on a statement touching more persons than one notification names, on a change to shared data, and on TRUNCATE', async () => {
    views = await ReadViews.open(db.url, 100, logger);
    const persons = await Promise.all(Array.from({ length: 181 }, addPerson));
    const [first] = persons;
    await views.fence();
    for (const change of [
      `UPDATE persons SET id_number_encrypted = '\\x02'`,
      `UPDATE agencies SET name = name`,
      `INSERT INTO agencies (id, name, kind) VALUES ('read-views-test', 'Test', 'agency') ON CONFLICT (id) DO UPDATE SET name = 'Test'`,
      `TRUNCATE score_history`,
    ]) {
      await loads('first', first!);
      expect(await loads('first', first!)).toBe(false);
      await db.pool.query(change);
      await views.fence();
      expect(await loads('first', first!), change).toBe(true);
    }
  });

  it("drops a person's views when their score is written (scorePersons notifies in its own statement), and all on a run of many", async () => {
    views = await ReadViews.open(db.url, 100, logger);
    const [one, other] = [await addPerson(), await addPerson()];
    await views.fence();
    const score = async (persons: PersonSelection, computedAt: string) =>
      scorePersons(db.pool, { models: await models, onDay: '2026-12-01', computedBy: `test-${computedAt}`, computedAt, persons });
    const models = activeModels(db.pool);
    await loads('one', one);
    await loads('other', other);
    await score({ ids: [one] }, '2026-12-01T01:00:00Z');
    await views.fence();
    expect([await loads('one', one), await loads('other', other)]).toEqual([true, false]);
    // Scored again, unchanged: nothing is written, nothing is dropped.
    await score({ ids: [one] }, '2026-12-01T02:00:00Z');
    await views.fence();
    expect(await loads('one', one)).toBe(false);
    await Promise.all(Array.from({ length: 180 }, addPerson));
    await views.fence();
    await score({ after: '00000000-0000-0000-0000-000000000000', upTo: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }, '2026-12-01T03:00:00Z');
    await views.fence();
    expect(await loads('one', one)).toBe(true);
  });

  it('keeps no view loaded while a change arrived, nor past its own end', async () => {
    views = await ReadViews.open(db.url, 100, logger);
    const [one, other] = [await addPerson(), await addPerson()];
    // A change to anyone heard during the load: what was loaded may be older than it.
    await views.read(
      'raced',
      async () => {
        await db.pool.query(`UPDATE persons SET id_number_encrypted = '\\x03' WHERE id = $1`, [other]);
        await views.fence();
        return 'raced';
      },
      () => ({ persons: [one] }),
    );
    expect(await loads('raced', one)).toBe(true);
    expect(await loads('raced', one)).toBe(false);

    expect(await loads('ended', one, new Date(Date.now() + 150))).toBe(true);
    expect(await loads('ended', one)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await loads('ended', one)).toBe(true);
  });

  it('while the feed is down reads go to Postgres every time; back, it keeps views again', async () => {
    views = await ReadViews.open(db.url, 100, logger);
    const one = await addPerson();
    // Its insertion is heard first: only the feed's loss can empty the views below.
    await views.fence();
    await loads('one', one);
    expect(await loads('one', one)).toBe(false);
    const listener = await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [CHANGE_FEED_APPLICATION]);
    expect(listener.rowCount).toBe(1);
    await expect.poll(() => views.size, { timeout: 2_000 }).toBe(0);
    expect(await loads('one', one)).toBe(true);
    expect(await loads('one', one)).toBe(true);
    // Reconnected (after about half a second): views are kept again, and changes heard.
    await expect.poll(async () => (await loads('one', one)) === false, { timeout: 5_000, interval: 200 }).toBe(true);
    await db.pool.query(`UPDATE persons SET id_number_encrypted = '\\x04' WHERE id = $1`, [one]);
    await views.fence();
    expect(await loads('one', one)).toBe(true);
  });

  it('keeps at most its capacity, the oldest going first, and none at capacity 0', async () => {
    views = await ReadViews.open(db.url, 2, logger);
    const one = await addPerson();
    for (const key of ['a', 'b', 'c']) await loads(key, one);
    expect(views.size).toBe(2);
    expect([await loads('b', one), await loads('c', one), await loads('a', one)]).toEqual([false, false, true]);
    await views.close();
    views = await ReadViews.open(db.url, 0, logger);
    await loads('a', one);
    expect(await loads('a', one)).toBe(true);
  });
});
