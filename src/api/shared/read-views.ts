import type { FastifyReply } from 'fastify';
import { ChangeFeed, type ChangeListener } from '../../db/change-feed';
import type { LocalDate } from '../../domain/working-days';
import type { Logger } from '../../logger';

/**
 * A route's answer for a view on a day, checked against the route's response schema and
 * serialized once rather than on every read, then sent as it is; forgotten with the view.
 */
export function answerOncePerViewAndDay(): (reply: FastifyReply, view: object, day: LocalDate, answer: () => unknown) => FastifyReply {
  const answers = new WeakMap<object, { day: LocalDate; serialized: ReturnType<FastifyReply['serialize']> }>();
  return (reply, view, day, answer) => {
    let kept = answers.get(view);
    if (kept === undefined || kept.day !== day) answers.set(view, (kept = { day, serialized: reply.serialize(answer()) }));
    return reply.type('application/json; charset=utf-8').send(kept.serialized);
  };
}

/** What a loaded view depends on: the persons whose data it shows, and the instant it stops being true by itself (an authorization's end). */
export interface ViewDependencies {
  persons: string[];
  until?: Date;
}

interface Entry {
  value: unknown;
  persons: string[];
  until: number;
}

/**
 * The hottest reads' views (a person's own score, a requester's query, an incentive check) kept
 * in this API instance's memory, so that a read of a view already loaded costs no statement. A
 * view is dropped as soon as Postgres notifies a change to one of its persons' data (migration
 * 1766000000000's triggers, whoever writes: a workflow's activity, bulk intake, another API
 * instance, an operator; scorePersons for scores), everything is dropped on a bulk change, a change to shared data, or a
 * gap in the feed, and nothing is kept while the feed is down. A view loaded while any change
 * arrived is not kept: it may be older than that change.
 * What a view shows is still checked on every read (the caller's role, real-name assurance,
 * the authorization's purpose and scenario, the day's scope), and every read is still registered.
 */
export class ReadViews implements ChangeListener {
  private readonly entries = new Map<string, Entry>();
  private readonly keysOfPerson = new Map<string, Set<string>>();
  /** Changes heard so far: a load that saw this move is not kept. */
  private changesHeard = 0;
  private feed: ChangeFeed | undefined;

  /** `capacity` views at most (the oldest go first); 0 keeps none. */
  constructor(private readonly capacity: number) {}

  /** Read views kept up to date by Postgres's notifications on `connectionString`. */
  static async open(connectionString: string, capacity: number, logger: Logger): Promise<ReadViews> {
    const views = new ReadViews(capacity);
    if (capacity > 0) views.feed = await ChangeFeed.open(connectionString, views, logger);
    return views;
  }

  /**
   * The view under `key`: kept, or loaded now. `dependsOn` tells what a loaded view depends on,
   * or undefined for one not to keep (one whose absence no change would be notified for).
   */
  async read<T>(key: string, load: () => Promise<T>, dependsOn: (view: T) => ViewDependencies | undefined): Promise<T> {
    const kept = this.entries.get(key);
    if (kept && kept.until > Date.now()) return kept.value as T;
    const changesBefore = this.changesHeard;
    const view = await load();
    const dependencies = this.feed?.live && this.changesHeard === changesBefore ? dependsOn(view) : undefined;
    if (dependencies) this.keep(key, view, dependencies);
    return view;
  }

  /** Resolves once every change committed before the call has dropped what it touched (see ChangeFeed#fence). */
  async fence(): Promise<void> {
    await this.feed?.fence();
  }

  persons(ids: string[]): void {
    this.changesHeard += 1;
    for (const id of ids) for (const key of this.keysOfPerson.get(id) ?? []) this.drop(key);
  }

  everyone(): void {
    this.changesHeard += 1;
    this.entries.clear();
    this.keysOfPerson.clear();
  }

  /** Views kept now. */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    await this.feed?.close();
    this.everyone();
  }

  private keep(key: string, value: unknown, dependencies: ViewDependencies): void {
    this.drop(key);
    if (this.entries.size >= this.capacity) this.drop(this.entries.keys().next().value!);
    this.entries.set(key, { value, persons: dependencies.persons, until: dependencies.until?.getTime() ?? Infinity });
    for (const person of dependencies.persons) {
      let keys = this.keysOfPerson.get(person);
      if (!keys) this.keysOfPerson.set(person, (keys = new Set()));
      keys.add(key);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const person of entry.persons) {
      const keys = this.keysOfPerson.get(person);
      keys?.delete(key);
      if (keys?.size === 0) this.keysOfPerson.delete(person);
    }
  }
}
