import { DefaultLogger, Runtime } from '@temporalio/worker';

// Each test process installs the SDK runtime once, logging only warnings and errors.
Runtime.install({ logger: new DefaultLogger('WARN') });
