import { join } from 'node:path';
import { runProcess } from './process-main';
import { startStack } from './stack';

/**
 * `npm start`: the whole platform on one machine (see stack.ts). Data stays under DATA_DIR, so a
 * second start carries on where the first stopped.
 */
runProcess('platform', async (config, dataDir, logger) => {
  const stack = await startStack(config, dataDir, logger);
  return {
    banner: [
      'Jinan integrity score platform is running.',
      `  API            ${stack.apiUrl}  (health: ${stack.apiUrl}/health, OpenAPI docs: ${stack.apiUrl}/docs)`,
      config.TEMPORAL_ADDRESS
        ? `  Temporal       ${stack.temporalAddress} (external)`
        : `  Temporal       ${stack.temporalAddress}   Web UI: http://localhost:${config.TEMPORAL_UI_PORT}`,
      `  Postgres       ${config.DATABASE_URL ? 'DATABASE_URL (external)' : `embedded, data in ${join(dataDir, 'postgres')}`}`,
      `  Tokens         npm run token -- admin   (roles: agency, provider, ndrc, person, requester, institution, supervisor, admin)`,
      `  More workers   npm run worker   More APIs   API_PORT=3001 npm run api`,
    ].join('\n'),
    stop: stack.stop,
  };
});
