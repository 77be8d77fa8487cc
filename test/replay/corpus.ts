import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root';
import * as bundle from '../../src/workflows';

/** Where each kept release's histories live: `histories/<release>/<waiting point>.json`, with its `manifest.json`. */
export const HISTORIES_DIR = join(projectRoot, 'test', 'replay', 'histories');

/** Every workflow type the worker registers: the names its bundle exports. */
export const REGISTERED_WORKFLOW_TYPES = Object.keys(bundle).sort();

export interface Manifest {
  release: string;
  /** The commit whose workflow code made the histories. */
  commit: string;
  capturedAt: string;
  histories: { file: string; workflowType: string; point: string; events: number }[];
}

export interface StoredHistory {
  release: string;
  file: string;
  workflowType: string;
  workflowId: string;
  history: History;
}

const byVersion = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** The releases whose corpora are kept, oldest first. */
export function keptReleases(): string[] {
  if (!existsSync(HISTORIES_DIR)) return [];
  return readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(byVersion);
}

export function manifestOf(release: string): Manifest {
  return JSON.parse(readFileSync(join(HISTORIES_DIR, release, 'manifest.json'), 'utf8')) as Manifest;
}

/** The workflow types a kept release ran: a type added since cannot have been in flight at its upgrade. */
export function workflowTypesOf(release: string): string[] {
  return [...new Set(manifestOf(release).histories.map((history) => history.workflowType))].sort();
}

/** The stored histories of a release, each with its workflow type and id as its first event gives them. */
export function historiesOf(release: string): StoredHistory[] {
  return manifestOf(release).histories.map(({ file }) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, release, file), 'utf8')));
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    return {
      release,
      file,
      workflowType: started?.workflowType?.name ?? 'unknown',
      // The id is not in the history; the file names the waiting point, which is what a failure should say.
      workflowId: `${release}/${file}`,
      history,
    };
  });
}
