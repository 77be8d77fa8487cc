import { sleep } from './cluster';

export interface Answer {
  status: number;
  /** How many times the request was sent before this answer. */
  attempts: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers read field by field
}

/** What the clients saw while the faults ran: how often a call had to be repeated, and why. */
export interface CallCounts {
  calls: number;
  /** Keyed by what the attempt got: `network` (no answer) or the 5xx status with its error code. */
  repeated: Record<string, number>;
}

/**
 * The API as an agency's or a person's client uses it during an outage: a call that gets no
 * answer or a 5xx is repeated, with the same content, until it is answered or `patience` runs
 * out. Every request the campaign sends is safe to repeat (a reference, an event id or an open
 * task names what it does).
 */
export class PatientClient {
  readonly counts: CallCounts = { calls: 0, repeated: {} };

  constructor(
    private readonly url: string,
    private readonly patienceMs = 10 * 60_000,
  ) {}

  async call(method: string, path: string, token: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    this.counts.calls += 1;
    const giveUp = Date.now() + this.patienceMs;
    for (let attempts = 1; ; attempts += 1) {
      let why: string;
      try {
        const response = await fetch(`${this.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
          signal: AbortSignal.timeout(120_000),
        });
        const text = await response.text();
        const parsed = text && response.headers.get('content-type')?.includes('application/json') ? (JSON.parse(text) as Answer['body']) : { text };
        if (response.status < 500) return { status: response.status, attempts, body: parsed };
        why = `${response.status} ${(parsed.error as { code?: string } | undefined)?.code ?? ''}`.trim();
      } catch {
        why = 'network';
      }
      this.counts.repeated[why] = (this.counts.repeated[why] ?? 0) + 1;
      if (Date.now() > giveUp) throw new Error(`${method} ${path}: no answer within ${this.patienceMs / 1000} s (last: ${why})`);
      await sleep(1000);
    }
  }

  /** Asks again until `done` holds of the answer; `what` names it in the error if it never does. */
  async until(what: string, ask: () => Promise<Answer>, done: (answer: Answer) => boolean): Promise<Answer> {
    const giveUp = Date.now() + this.patienceMs;
    for (;;) {
      const answer = await ask();
      if (done(answer)) return answer;
      if (Date.now() > giveUp) throw new Error(`${what}: not reached within ${this.patienceMs / 1000} s (last answer ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)})`);
      await sleep(500);
    }
  }
}

/** A small seeded generator (mulberry32), so a campaign's choices can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
