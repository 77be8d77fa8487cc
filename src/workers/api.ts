import { runProcess } from './process-main';
import { openDatabase, openTemporal, serverAddresses, startApiRole, Stops } from './roles';

/**
 * `npm run api`: the HTTP API alone, one of any number behind a load balancer, against one
 * Temporal cluster and one Postgres. Locally, without DATABASE_URL and TEMPORAL_ADDRESS, it
 * joins the servers of a running `npm start` (give it its own API_PORT).
 */
runProcess('api', async (config, _dataDir, logger) => {
  const stops = new Stops(logger);
  return stops.starting(async () => {
    const { databaseUrl, temporalAddress } = serverAddresses(config);
    const pool = await openDatabase(databaseUrl, logger, stops);
    const temporal = await openTemporal(config, temporalAddress, stops);
    const { url } = await startApiRole(config, { pool, ...temporal }, logger, stops);
    return { banner: `API listening on ${url} (health: ${url}/health, OpenAPI docs: ${url}/docs).`, stop: () => stops.run() };
  });
});
