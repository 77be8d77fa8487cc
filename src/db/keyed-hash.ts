import { createHmac, hash } from 'node:crypto';

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
/** Short printable ASCII text (one byte a character) takes the one-shot way; anything else, createHmac. */
const ONE_SHOT_TEXT = /^[ -~]{0,128}$/;

/**
 * HMAC-SHA-256 (RFC 2104: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ text))) of short printable ASCII text, as two one-shot
 * hashes over pads computed once. createHmac looks its digest up by name behind a lock and makes
 * a native object for every text, which was most of what hashing an identity number cost; bulk
 * intake hashes a million a batch. The output is createHmac's (test/unit/keyed-hash.test.ts),
 * and other text goes through createHmac itself.
 */
export class KeyedHash {
  private readonly key: Buffer;
  private readonly innerPad: Buffer;
  /** The outer pad, then room for the inner digest. */
  private readonly outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);
  /** The inner pad followed by room for a text, one buffer per text length: each is hashed whole. */
  private readonly inner = new Map<number, Buffer>();

  constructor(key: Buffer) {
    this.key = key;
    const block = Buffer.alloc(BLOCK_BYTES);
    (key.length > BLOCK_BYTES ? hash('sha256', key, 'buffer') : key).copy(block);
    this.innerPad = Buffer.alloc(BLOCK_BYTES);
    for (let i = 0; i < BLOCK_BYTES; i++) {
      this.innerPad[i] = block[i]! ^ 0x36;
      this.outer[i] = block[i]! ^ 0x5c;
    }
  }

  /** The keyed hash of a text, in hex. */
  hex(text: string): string {
    if (!ONE_SHOT_TEXT.test(text)) return createHmac('sha256', this.key).update(text).digest('hex');
    let inner = this.inner.get(text.length);
    if (inner === undefined) {
      inner = Buffer.alloc(BLOCK_BYTES + text.length);
      this.innerPad.copy(inner);
      this.inner.set(text.length, inner);
    }
    inner.write(text, BLOCK_BYTES, 'latin1');
    this.outer.write(hash('sha256', inner, 'hex'), BLOCK_BYTES, 'hex');
    return hash('sha256', this.outer, 'hex');
  }

  /** Writes the keyed hash of a text, its 32 bytes, into `target` at `offset`. */
  write(text: string, target: Buffer, offset: number): void {
    target.write(this.hex(text), offset, 'hex');
  }
}
