import type pg from 'pg';

/**
 * Persons in scope (adults, local households, full capacity) with a few records each, written
 * straight into a test database: what bulk intake would have stored.
 */
export async function seedScoredPersons(pool: pg.Pool, count: number): Promise<string[]> {
  await pool.query(`INSERT INTO agencies (id, name, kind) VALUES ('fixture-agency', 'Fixture agency', 'agency') ON CONFLICT DO NOTHING`);
  const persons = await pool.query<{ id: string }>(
    `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, civil_capacity)
     SELECT gen_random_uuid(), decode(md5('fixture-' || i), 'hex'), '\\x00', date '1980-01-01' + i, 'household', 'full'
     FROM generate_series(1, $1) AS i
     RETURNING id`,
    [count],
  );
  await pool.query(
    `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
     SELECT gen_random_uuid(), 'fixture-agency', 'F-' || p.n || '-' || k, p.id,
            CASE k WHEN 1 THEN 'administrative' WHEN 2 THEN 'social-contribution' ELSE 'promise-keeping' END,
            CASE k WHEN 1 THEN 'administrative-penalty' WHEN 2 THEN 'volunteering' ELSE 'tax-refusal' END,
            'public-agency', date '2026-06-01', now(), false, 'active', 1,
            CASE k WHEN 2 THEN jsonb_build_object('hours', 10 * (p.n % 7)) ELSE jsonb_build_object('procedure', 'general') END, '[]', 'fixture'
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM persons WHERE id = ANY($1::uuid[])) p, generate_series(1, 3) AS k
     WHERE k < 3 OR p.n % 4 = 0`,
    [persons.rows.map((row) => row.id)],
  );
  return persons.rows.map((row) => row.id);
}
