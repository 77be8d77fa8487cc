import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyedHash } from '../../src/db/keyed-hash';

describe('Art. 22 keyed hash of identity numbers', () => {
  const texts = [
    '',
    '110101199003070018',
    '11010119900307001X',
    'a',
    'x'.repeat(63),
    'x'.repeat(64),
    'x'.repeat(65),
    'y'.repeat(128),
    // Beyond the one-shot way: longer text, and characters of more than one byte.
    'z'.repeat(129),
    '身份证号码110101199003070018',
    'caf\u00e9',
    'tab\there',
  ];

  for (const keyBytes of [16, 32, 64, 65, 200]) {
    it(`is HMAC-SHA-256 under a ${keyBytes}-byte key`, () => {
      const key = randomBytes(keyBytes);
      const keyed = new KeyedHash(key);
      for (const text of texts) {
        const expected = createHmac('sha256', key).update(text).digest();
        expect(keyed.hex(text), text).toBe(expected.toString('hex'));
        const target = Buffer.alloc(40, 0xee);
        keyed.write(text, target, 4);
        expect(target.subarray(4, 36).equals(expected), text).toBe(true);
        expect([...target.subarray(0, 4), ...target.subarray(36)]).toEqual(Array(8).fill(0xee));
      }
    });
  }

  it('gives each text its own hash when texts of one length follow each other', () => {
    const key = randomBytes(32);
    const keyed = new KeyedHash(key);
    for (let i = 0; i < 2000; i++) {
      const text = `3701021980${String(i).padStart(8, '0')}`;
      expect(keyed.hex(text)).toBe(createHmac('sha256', key).update(text).digest('hex'));
    }
  });
});
