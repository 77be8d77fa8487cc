import { loadTest } from 'loadtest';

export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FixedRateResult {
  /** Answered with a status under 400 before the end. */
  answered: number;
  /** Answered with 400 or more, or failed, before the end. */
  errors: number;
  /** Of every answer before the end, in whole milliseconds rounded down, as loadtest times them: a p99 of 19 is under 20 ms. */
  p50: number;
  p99: number;
  max: number;
}

/**
 * Sends `request()` to `url` at `rate` per second for `seconds`, one request every 1/rate s
 * whether or not the earlier ones have been answered (loadtest's `requestsPerSecond`, an open
 * model: a slow answer does not hold back the next request, so a stall shows in the tail).
 *
 * Not autocannon's `overallRate`: there each connection sends its share of a second as fast as it
 * is answered and then waits for the next second (mcollina/autocannon#174), so a rate arrives as
 * one burst a second at full concurrency, and its correction for coordinated omission takes the
 * expected interval as 1 ms, counting a slow answer once for every millisecond it took. A server
 * answering at once measured a p99 of 105 ms at 500/s that way, and 3 ms here.
 */
export function atFixedRate(url: string, request: () => BenchRequest, rate: number, seconds: number): Promise<FixedRateResult> {
  // Each answer's time, not loadtest's percentiles: they skip the bucket of 0 ms.
  const latencies: number[] = [];
  let answered = 0;
  let errors = 0;
  return new Promise((resolve, reject) => {
    loadTest(
      {
        url,
        requestsPerSecond: rate,
        maxSeconds: seconds,
        agentKeepAlive: true,
        quiet: true,
        requestGenerator: (_options: unknown, params: { headers: Record<string, string> }, send: (params: unknown, callback: unknown) => { write: (body: string) => void }, callback: unknown) => {
          const { method, path, headers, body } = request();
          const length = body ? { 'content-length': String(Buffer.byteLength(body)) } : {};
          const sending = send({ ...params, method, path, headers: { ...params.headers, ...headers, ...length } }, callback);
          if (body) sending.write(body);
          return sending;
        },
        statusCallback: (error: unknown, result?: { requestElapsed: number }) => {
          if (error) errors += 1;
          else answered += 1;
          if (result) latencies.push(result.requestElapsed);
        },
      },
      (error: Error | null) => {
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] ?? 0;
        resolve({ answered, errors, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? 0 });
      },
    );
  });
}
