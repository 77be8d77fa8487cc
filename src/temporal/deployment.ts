import type { Client } from '@temporalio/client';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { projectRoot } from '../project-root';

/** One release's workers within the platform's Worker Deployment. */
export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

/** The release this code is: package.json's version, which names its workers' build. */
export function releaseVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export function workerVersionOf(config: Pick<Config, 'TEMPORAL_DEPLOYMENT_NAME' | 'WORKER_BUILD_ID' | 'WORKER_VERSIONING'>): WorkerVersion | undefined {
  if (config.WORKER_VERSIONING === 'off') return undefined;
  return { deploymentName: config.TEMPORAL_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID ?? releaseVersion() };
}

/**
 * Every workflow type auto-upgrades: once a release's version is current, each running instance
 * moves to it at its next workflow task, so the previous release's workers can stop as soon as
 * their activities end. That is safe because every change to a workflow's commands is behind
 * `patched()` and proven against the kept replay corpus (docs/releases.md "Changing a workflow"). Pinning
 * would keep a release's workers alive as long as its longest workflow: a repair, for months.
 */
export function deploymentOptions(version: WorkerVersion): WorkerDeploymentOptions {
  return { useWorkerVersioning: true, version, defaultVersioningBehavior: 'AUTO_UPGRADE' };
}

const NOT_FOUND = 5; // gRPC status code
const FAILED_PRECONDITION = 9;
const ROUTING_UPDATE_COMPLETED = 2; // temporal.api.enums.v1.RoutingConfigUpdateState

/**
 * A worker starting with WORKER_VERSIONING=auto makes its version the deployment's current one,
 * so the tasks of every running workflow come to it, unless a later release is current already (a
 * worker of an older release restarting must not take them back). Waits until the server has
 * registered the worker's poll and routes by the new version.
 */
export async function promoteOnStart(
  client: Client,
  namespace: string,
  version: WorkerVersion,
  logger: Logger,
  options: { timeoutMs?: number } = {},
): Promise<'promoted' | 'already-current' | 'later-release-current'> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const service = client.workflowService;
  for (;;) {
    try {
      const { workerDeploymentInfo: info, conflictToken } = await service.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName });
      const known = info?.versionSummaries?.some((summary) => summary.deploymentVersion?.buildId === version.buildId);
      const current = info?.routingConfig?.currentDeploymentVersion?.buildId ?? null;
      if (known && current === version.buildId) {
        if (info?.routingConfigUpdateState === ROUTING_UPDATE_COMPLETED) return 'already-current';
      } else if (known && current && semver.valid(current) && semver.valid(version.buildId) && semver.gt(current, version.buildId)) {
        logger.warn({ current, buildId: version.buildId }, 'a later release is current: this worker gets no workflow tasks until its version is made current');
        return 'later-release-current';
      } else if (known) {
        await service.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          conflictToken,
          identity: `worker ${version.buildId}`,
        });
        logger.info({ deployment: version.deploymentName, buildId: version.buildId, previous: current }, 'this worker version is now current');
        await untilRouted(client, namespace, version, deadline);
        return 'promoted';
      }
    } catch (error) {
      // The deployment appears with the first versioned poll; a concurrent promotion changes the conflict token.
      const code = (error as { code?: number }).code;
      if (code !== NOT_FOUND && code !== FAILED_PRECONDITION) throw error;
    }
    if (Date.now() > deadline) throw new Error(`the worker version ${version.deploymentName}.${version.buildId} was not registered by the server in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function untilRouted(client: Client, namespace: string, version: WorkerVersion, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const { workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName });
    if (info?.routingConfigUpdateState === ROUTING_UPDATE_COMPLETED && info.routingConfig?.currentDeploymentVersion?.buildId === version.buildId) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server did not route to ${version.deploymentName}.${version.buildId} in time`);
}
