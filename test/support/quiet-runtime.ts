import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { runtimeLogger } from '../../src/temporal/runtime-logger';

/**
 * Warnings a test provokes on purpose (a replay that must fail): not printed while it runs. The
 * first is every worker's on the time-skipping test server, which lacks a capability it does not use.
 */
export const expectedWarnings: RegExp[] = [/activity_failure_include_heartbeat/];

const printed = runtimeLogger('WARN');

// Each test process installs the SDK runtime once, logging only warnings and errors; the native
// side's logs are forwarded to the same logger, so a test can expect some of them.
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    const said = [entry.message, ...Object.values(entry.meta ?? {}).filter((value) => typeof value === 'string')].join(' ');
    if (entry.level === 'WARN' && expectedWarnings.some((expected) => expected.test(said))) return;
    printed.log(entry.level as LogLevel, entry.message, entry.meta as LogMetadata);
  }),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
});
