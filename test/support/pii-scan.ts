import { Connection, WorkflowClient } from '@temporalio/client';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// The default import: run under plain Node (the fault proof, through tsx), the package's CommonJS names are not found as named imports.
import proto from '@temporalio/proto';
import { checkCharacter } from '../../src/domain/identity-number';

/** An 18-character resident identity number: region, birth date, sequence, check character. */
const IDENTITY_NUMBER = /[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]/g;

/** The resident identity numbers written in clear in some stored bytes (read as latin1): those whose check character holds. */
export function identityNumbersIn(stored: string): string[] {
  return [...stored.matchAll(IDENTITY_NUMBER)].map((match) => match[0]).filter((found) => checkCharacter(found.slice(0, 17)) === found[17]);
}

/** Whether a history event, as the server stores it (payloads as written, search attributes, memos and metadata), holds an identity number in clear. */
export function eventHoldsIdentityNumber(event: proto.temporal.api.history.v1.IHistoryEvent): boolean {
  const stored = Buffer.from(proto.temporal.api.history.v1.HistoryEvent.encode(event).finish()).toString('latin1');
  return identityNumbersIn(stored).length > 0;
}

export interface PiiScan {
  workflows: number;
  events: number;
  /** Where an identity number was found in clear, never the number itself. */
  hits: { workflowId: string; runId: string; eventId: string }[];
}

/**
 * Issue 15, "no personal data anywhere it should not be": every workflow history of the
 * namespace, as the server stores it (payloads as written, search attributes, memos and user
 * metadata included), searched for a resident identity number in clear: 18 characters with a
 * valid check character. Encrypted payloads are binary, so a hit is a leak, not noise.
 */
export async function scanHistoriesForIdentityNumbers(address: string, namespace = 'default'): Promise<PiiScan> {
  const connection = await Connection.connect({ address });
  try {
    const client = new WorkflowClient({ connection, namespace });
    const scan: PiiScan = { workflows: 0, events: 0, hits: [] };
    for await (const workflow of client.list()) {
      const history = await client.getHandle(workflow.workflowId, workflow.runId).fetchHistory();
      scan.workflows += 1;
      for (const event of history.events ?? []) {
        scan.events += 1;
        if (eventHoldsIdentityNumber(event)) scan.hits.push({ workflowId: workflow.workflowId, runId: workflow.runId, eventId: String(event.eventId) });
      }
    }
    return scan;
  } finally {
    await connection.close();
  }
}

export interface LogScan {
  files: number;
  lines: number;
  /** Where an identity number was found in clear (file and line), never the number itself. */
  hits: { file: string; line: number }[];
}

/**
 * The same search in the platform's logs: every line the end-to-end platforms logged (requests,
 * warnings, and every refusal with its body, see src/api/server.ts), so also every error body.
 */
export function scanLogsForIdentityNumbers(dir: string): LogScan {
  const scan: LogScan = { files: 0, lines: 0, hits: [] };
  if (!existsSync(dir)) return scan;
  for (const file of readdirSync(dir)) {
    scan.files += 1;
    readFileSync(join(dir, file), 'latin1')
      .split('\n')
      .forEach((text, index) => {
        scan.lines += 1;
        if (identityNumbersIn(text).length > 0) scan.hits.push({ file, line: index + 1 });
      });
  }
  return scan;
}
