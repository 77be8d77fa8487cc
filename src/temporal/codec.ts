import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PayloadMessage = proto.temporal.api.common.v1.Payload;

/**
 * Encrypts every Temporal payload with AES-256-GCM before it leaves the process, so workflow
 * histories hold no personal data in clear (Art. 22). The whole original payload, metadata
 * included, is sealed; the key id travels in clear so keys can be rotated.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly keyId: string,
    key: Buffer,
    previousKeys: Record<string, Buffer> = {},
  ) {
    this.keys = new Map([...Object.entries(previousKeys), [keyId, key]]);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
      const plain = PayloadMessage.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.keyId) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString() !== ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`No payload key with id "${keyId}" is configured`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return PayloadMessage.decode(plain);
    });
  }
}
