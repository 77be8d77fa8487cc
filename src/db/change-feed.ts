import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger';

/** The channel the triggers of migration 1766000000000 notify: persons' ids, comma-separated, or '*' for everyone. */
export const READ_VIEWS_CHANNEL = 'read_views_changed';
/** How the feed's connection shows in pg_stat_activity. */
export const CHANGE_FEED_APPLICATION = 'read-views-change-feed';
const EVERYONE = '*';
const FENCE = 'fence:';
/** How long a fence waits for its own notification before it gives up on the feed's order. */
const FENCE_TIMEOUT_MS = 5_000;
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MOST_MS = 15_000;

export interface ChangeListener {
  /** These persons' data changed. */
  persons(ids: string[]): void;
  /** Anything may have changed: a bulk statement, data every read depends on, or a gap in the feed. */
  everyone(): void;
}

/**
 * What Postgres tells of changes to persons' data, on a connection of its own that LISTENs.
 * Postgres delivers notifications in the order their transactions committed. While the
 * connection is down the feed is not `live`, and on every loss and every reconnection it tells
 * its listener `everyone()`: what changed meanwhile is unknown.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private delay = RECONNECT_FIRST_MS;
  private readonly fences = new Map<string, () => void>();
  /** The fence NOTIFY being sent: the connection takes one query at a time. */
  private sending: Promise<unknown> = Promise.resolve();
  /** The fence NOTIFY to be sent once the one being sent is done, shared by every fence asked for meanwhile. */
  private next: Promise<void> | undefined;

  private constructor(
    private readonly connectionString: string,
    private readonly listener: ChangeListener,
    private readonly logger: Logger,
  ) {}

  /** Starts listening; if Postgres cannot be reached now, the feed keeps trying and is not live meanwhile. */
  static async open(connectionString: string, listener: ChangeListener, logger: Logger): Promise<ChangeFeed> {
    const feed = new ChangeFeed(connectionString, listener, logger);
    await feed.connect().catch((error: unknown) => feed.retryLater(error));
    return feed;
  }

  /** Whether every change committed since the listener was last told `everyone()` will reach it. */
  get live(): boolean {
    return this.client !== undefined;
  }

  /**
   * Resolves once every change committed before it was called has reached the listener: a
   * notification of its own, committed after them, has come back. A writer calls it before it
   * answers, so the answer is never followed by a read of this instance from before the change.
   */
  async fence(): Promise<void> {
    if (!this.client) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), FENCE_TIMEOUT_MS)));
    // The timeout covers the NOTIFY itself too: a connection that died silently must not hold the answer.
    try {
      if ((await Promise.race([this.nextNotification(), late])) === 'late') this.listener.everyone();
    } catch {
      // The connection broke: lost() has told the listener everything may have changed.
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once a fence notification sent after this call has come back. A NOTIFY already being
   * sent may have committed before the caller's change, so the caller waits for the next one,
   * which every fence asked for meanwhile shares.
   */
  private nextNotification(): Promise<void> {
    if (this.next) return this.next;
    const id = randomUUID();
    const back = new Promise<void>((resolve) => this.fences.set(id, resolve));
    const sent = this.sending.then(async () => {
      this.next = undefined;
      const client = this.client;
      // Without a connection there is no order to wait for: lost() has told the listener everything may have changed.
      if (!client) return this.fences.get(id)?.();
      await client.query('SELECT pg_notify($1, $2)', [READ_VIEWS_CHANNEL, FENCE + id]);
    });
    this.sending = sent.catch(() => undefined);
    this.next = sent.then(() => back).finally(() => this.fences.delete(id));
    // Each caller races it against its own timeout; a failure reaches them, not the process.
    this.next.catch(() => undefined);
    return this.next;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    for (const resolve of this.fences.values()) resolve();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: CHANGE_FEED_APPLICATION });
    client.on('notification', (message) => this.received(message.payload ?? EVERYONE));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${READ_VIEWS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.delay = RECONNECT_FIRST_MS;
    this.listener.everyone();
  }

  private received(payload: string): void {
    if (payload.startsWith(FENCE)) return this.fences.get(payload.slice(FENCE.length))?.();
    if (payload === EVERYONE) return this.listener.everyone();
    this.listener.persons(payload.split(','));
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listener.everyone();
    for (const resolve of this.fences.values()) resolve();
    client.end().catch(() => undefined);
    if (!this.closed) this.retryLater(error);
  }

  private retryLater(error: unknown): void {
    if (this.closed) return;
    this.logger.warn({ err: error, retryInMs: this.delay }, 'the change feed of the read views is down: reads go to Postgres until it is back');
    this.retry = setTimeout(() => {
      this.connect().catch((failure: unknown) => this.retryLater(failure));
    }, this.delay);
    this.delay = Math.min(this.delay * 2, RECONNECT_MOST_MS);
  }
}
