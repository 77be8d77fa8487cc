import { describe, expect, it } from 'vitest';
import { BinaryCopyRows } from '../../src/db/copy';

describe('COPY rows in binary format', () => {
  it('writes each field as its length and its bytes in Postgres send format', () => {
    const rows = new BinaryCopyRows(16, { header: false });
    rows.row(2);
    rows.uuid('01a21f98-e8dd-742b-806b-5ad7324a77e8');
    rows.text('齐鲁');
    rows.jsonb('{"a":1}');
    rows.date('2000-01-02');
    rows.timestamptz(new Date('2000-01-01T00:00:01.5Z'));
    rows.boolean(true);
    rows.null();
    expect(rows.bytes().toString('hex')).toBe(
      [
        '0002',
        '00000010' + '01a21f98e8dd742b806b5ad7324a77e8',
        '00000006' + Buffer.from('齐鲁').toString('hex'),
        '00000008' + '01' + Buffer.from('{"a":1}').toString('hex'),
        '00000004' + '00000001',
        '00000008' + (1_500_000).toString(16).padStart(16, '0'),
        '00000001' + '01',
        'ffffffff',
      ].join(''),
    );
  });

  it('refuses what is not a uuid and leaves the rows as they were', () => {
    const rows = new BinaryCopyRows(16, { header: false });
    for (const value of ['01a21f98-e8dd-742b-806b-5ad7324a77e', '01a21f98-e8dd-742b-806b-5ad7324a77e8f', 'zza21f98-e8dd-742b-806b-5ad7324a77e8', '']) {
      expect(() => rows.uuid(value)).toThrow('not a uuid');
      expect(rows.length).toBe(0);
    }
  });

  it('starts with the signature and ends with the trailer', () => {
    const rows = new BinaryCopyRows(16, { header: true });
    rows.end();
    expect(rows.bytes().toString('latin1')).toBe('PGCOPY\n\xff\r\n\0' + '\0'.repeat(8) + '\xff\xff');
  });
});
