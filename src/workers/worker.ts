import { runProcess } from './process-main';
import { openDatabase, openTemporal, serverAddresses, startWorkerRole, Stops } from './roles';

/**
 * `npm run worker`: a worker alone, one of any number polling the platform's task queue against
 * one Temporal cluster and one Postgres. Locally, without DATABASE_URL and TEMPORAL_ADDRESS, it
 * joins the servers of a running `npm start`.
 */
runProcess('worker', async (config, _dataDir, logger) => {
  const stops = new Stops(logger);
  return stops.starting(async () => {
    const { databaseUrl, temporalAddress } = serverAddresses(config);
    const pool = await openDatabase(databaseUrl, logger, stops);
    const { client } = await openTemporal(config, temporalAddress, stops);
    const { running, version } = await startWorkerRole(config, { databaseUrl, temporalAddress, pool, client }, logger, stops);
    const as = version ? `, build ${version.buildId} of deployment ${version.deploymentName}` : ', unversioned';
    return {
      banner: `Worker polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE}${as}).`,
      stop: () => stops.run(),
      ended: running,
    };
  });
});
