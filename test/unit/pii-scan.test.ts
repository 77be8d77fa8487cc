import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';
import { identityNumbersIn, scanLogsForIdentityNumbers } from '../support/pii-scan';
import { identityNumber } from '../support/identities';

/** A history event as the server stores it, starting a workflow with this payload as its input. */
function storedStart(payload: temporal.api.common.v1.IPayload): string {
  const event = temporal.api.history.v1.HistoryEvent.create({
    workflowExecutionStartedEventAttributes: { input: { payloads: [payload] }, searchAttributes: { indexedFields: { Agency: defaultPayloadConverter.toPayload('jinan-tax') } } },
  });
  return Buffer.from(temporal.api.history.v1.HistoryEvent.encode(event).finish()).toString('latin1');
}

describe('Art. 22 the scan of stored histories for identity numbers in clear (run after the end-to-end tests)', () => {
  const resident = identityNumber('1985-05-05', 505);

  it('finds an identity number a payload carries in clear', () => {
    expect(identityNumbersIn(storedStart(defaultPayloadConverter.toPayload({ identityNumber: resident })))).toEqual([resident]);
  });

  it('finds none once the platform codec has sealed the payload, nor in digits whose check character fails', async () => {
    const codec = new EncryptionCodec('k1', randomBytes(32));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ identityNumber: resident })]);
    expect(identityNumbersIn(storedStart(sealed!))).toEqual([]);
    const wrongCheck = `${resident.slice(0, 17)}${resident.endsWith('1') ? '2' : '1'}`;
    expect(identityNumbersIn(storedStart(defaultPayloadConverter.toPayload({ reference: wrongCheck })))).toEqual([]);
  });

  it('finds an identity number in a log line or a logged error body, by file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pii-logs-'));
    try {
      writeFileSync(join(dir, 'platform-a.log'), `{"msg":"request completed"}\n{"msg":"answered with an error","answer":"{\\"error\\":{\\"message\\":\\"${resident} is not known\\"}}"}\n`);
      writeFileSync(join(dir, 'platform-b.log'), '{"msg":"request completed","personId":"00000000-0000-4000-8000-000000000042"}\n');
      expect(scanLogsForIdentityNumbers(dir)).toEqual({ files: 2, lines: 5, hits: [{ file: 'platform-a.log', line: 2 }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
