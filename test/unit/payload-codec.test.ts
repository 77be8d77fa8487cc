import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/temporal/codec';

describe('Art. 22 payload codec', () => {
  const codec = new EncryptionCodec('k2', randomBytes(32), { k1: randomBytes(32) });

  it('seals a payload so its content is not readable, and opens it again', async () => {
    const payload = defaultPayloadConverter.toPayload({ identityNumber: '11010519491231002X' });
    const [sealed] = await codec.encode([payload]);
    expect(Buffer.from(sealed!.data!).includes('11010519491231002X')).toBe(false);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ identityNumber: '11010519491231002X' });
  });

  it('refuses a tampered payload', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    const data = Buffer.from(sealed!.data!);
    data[data.length - 1]! ^= 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow();
  });

  it('names an unknown key id', async () => {
    const other = new EncryptionCodec('k9', randomBytes(32));
    const [sealed] = await other.encode([defaultPayloadConverter.toPayload('x')]);
    await expect(codec.decode([sealed!])).rejects.toThrow('No payload key with id "k9"');
  });
});
