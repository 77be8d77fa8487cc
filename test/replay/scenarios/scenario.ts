import type { Driver } from '../driver';

/**
 * One process driven through its waiting points. The capture runs every scenario's phases in
 * step, because the clock is the server's and moves for all of them at once.
 */
export interface Scenario {
  /** On the first day: processes started and their first waiting points stored; reminders and breaches to wait for named with `Driver.when`. */
  open(d: Driver): Promise<void>;
  /** About two working weeks later, every reminder and breach watched having fired: the processes driven to their ends. */
  closing?(d: Driver): Promise<void>;
  /** A season later: what waits for months (a repair's window, an authorization, a record's maximum period) has run out. */
  lapsed?(d: Driver): Promise<void>;
}
