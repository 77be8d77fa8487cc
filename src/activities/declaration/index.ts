import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { enqueueNotifications } from '../../db/notifications';
import type { PersonRow } from '../../db/persons';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { withTransaction } from '../../db/transaction';
import { DECLARABLE_CATEGORIES, declarationProblem } from '../../domain/declaration';
import { refusesRecord } from '../../domain/scope';
import {
  DECLARED_BEFORE_ADULTHOOD,
  DECLARATION_DUPLICATE,
  DECLARATION_OPEN,
  NOT_DECLARABLE,
  VERIFIER_NOT_FOUND,
  type DeclarationInput,
  type DeclarationRoute,
} from '../../workflows/declaration/contract';
import { PERSON_NOT_FOUND, refusal } from '../../workflows/shared/contract';
import { insertRecord } from '../../db/record-store/writes';
import type { Queryable } from '../../db/pool';

export type DeclarationDecision = 'accept' | 'reject';

export interface DecidedDeclaration {
  personId: string;
  state: 'accepted' | 'rejected';
  recordId: string | null;
  /** Whether the acceptance added a record (not when the same record had been shared meanwhile). */
  recordAdded: boolean;
}

/** The person's active record of this type formed that day, whoever shared it. */
async function sameRecord(db: Queryable, declaration: { personId: string; typeCode: string; formedOn: string }): Promise<string | undefined> {
  const found = await db.query<{ id: string }>(
    `SELECT id FROM records WHERE person_id = $1 AND type_code = $2 AND formed_on = $3 AND status = 'active' ORDER BY shared_at LIMIT 1`,
    [declaration.personId, declaration.typeCode, declaration.formedOn],
  );
  return found.rows[0]?.id;
}

/** Activities of self-declaration (Art. 11). Every one is idempotent. */
export function createDeclarationActivities({ pool }: { pool: pg.Pool }) {
  return {
    /**
     * Registers the declaration for verification. Refused, with nothing written: an unknown or
     * out-of-scope person, an agency that is not a registered public agency, a type that is not
     * positive information of an Art. 11 category, a record of that type and day the person
     * already has (named), and the same type and day already being verified (named).
     */
    async fileDeclaration(input: DeclarationInput & { workflowId: string; filedAt: string }): Promise<{ verifierId: string }> {
      const { declaration } = input;
      return withTransaction(pool, async (db) => {
        const again = await db.query('SELECT 1 FROM declarations WHERE id = $1', [input.declarationId]);
        if (again.rowCount) return { verifierId: declaration.verifierId };
        const person = await db.query<PersonRow>(
          'SELECT id, birth_date, residency, residence_permit_valid_until, civil_capacity FROM persons WHERE id = $1',
          [input.personId],
        );
        if (!person.rows[0]) throw refusal(PERSON_NOT_FOUND, `No person ${input.personId}`, 'personId');
        const beforeAdulthood = refusesRecord(person.rows[0].birth_date, declaration.formedOn);
        if (beforeAdulthood) throw refusal(DECLARED_BEFORE_ADULTHOOD, beforeAdulthood, 'formedOn');
        const verifier = await db.query('SELECT 1 FROM agencies WHERE id = $1 AND kind = $2', [declaration.verifierId, 'agency']);
        if (!verifier.rowCount) throw refusal(VERIFIER_NOT_FOUND, `${declaration.verifierId} is not a registered public agency`, 'verifierId');
        const unfit = declarationProblem(await loadCatalogue(db), declaration);
        if (unfit) throw refusal(NOT_DECLARABLE, unfit.message, unfit.field);
        const recorded = await sameRecord(db, { personId: input.personId, ...declaration });
        if (recorded) {
          throw refusal(DECLARATION_DUPLICATE, `A record of ${declaration.typeCode} formed on ${declaration.formedOn} is already shared: ${recorded}`, 'typeCode');
        }
        const open = await db.query<{ id: string }>(
          `SELECT id FROM declarations WHERE person_id = $1 AND type_code = $2 AND formed_on = $3 AND state = 'verifying'`,
          [input.personId, declaration.typeCode, declaration.formedOn],
        );
        if (open.rows[0]) throw refusal(DECLARATION_OPEN, `The same ${declaration.typeCode} of ${declaration.formedOn} is already being verified: ${open.rows[0].id}`, 'typeCode');
        await db.query(
          `INSERT INTO declarations (id, person_id, verifier_id, category, type_code, formed_on, details, evidence, authorized_at, filed_by, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'verifying')`,
          [
            input.declarationId, input.personId, declaration.verifierId, declaration.category, declaration.typeCode, declaration.formedOn,
            JSON.stringify(declaration.details), JSON.stringify(declaration.evidence), input.filedAt, input.filedBy,
          ],
        );
        return { verifierId: declaration.verifierId };
      });
    },

    /**
     * NDRC names the agency that verifies a declarable type (for an issuer, or any): a registered
     * public agency, for a type Art. 11 takes. Setting it again replaces it; a retry sets the same.
     */
    async setDeclarationRoute(input: DeclarationRoute & { at: string }): Promise<DeclarationRoute & { setAt: string }> {
      const type = (await loadCatalogue(pool)).get(input.typeCode);
      if (!type || type.polarity !== 'positive' || !(DECLARABLE_CATEGORIES as readonly string[]).includes(type.category)) {
        throw refusal(NOT_DECLARABLE, `${input.typeCode} is not an honour or a social contribution a person may declare (Art. 11)`, 'typeCode');
      }
      const verifier = await pool.query('SELECT 1 FROM agencies WHERE id = $1 AND kind = $2', [input.agencyId, 'agency']);
      if (!verifier.rowCount) throw refusal(VERIFIER_NOT_FOUND, `${input.agencyId} is not a registered public agency`, 'agencyId');
      await pool.query(
        `INSERT INTO declaration_routes (type_code, issuer, agency_id, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (type_code, issuer) DO UPDATE SET agency_id = EXCLUDED.agency_id, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
        [input.typeCode, input.issuer, input.agencyId, input.setBy, input.at],
      );
      const { at, ...route } = input;
      return { ...route, setAt: new Date(at).toISOString() };
    },

    /**
     * The verifying agency's decision, in one transaction with its effects. Accepted, the
     * declaration becomes a record of source `self-declared` shared by the agency that verified it
     * (reference `DECL-{id}`), announced and asked to be rescored like any record; if the same
     * record was shared meanwhile, the declaration names that one instead, so nothing counts
     * twice. Rejected, it stays with its reasons. The declarant is told either way.
     */
    async decideDeclaration(input: {
      declarationId: string;
      workflowId: string;
      decision: DeclarationDecision;
      reasons: string;
      decidedBy: string;
      at: string;
    }): Promise<DecidedDeclaration> {
      return withTransaction(pool, async (db) => {
        const found = await db.query<{
          person_id: string; verifier_id: string; category: string; type_code: string; formed_on: string; details: Record<string, unknown>; evidence: unknown[];
          state: string; record_id: string | null; changed_by: string | null;
        }>(
          `SELECT d.person_id, d.verifier_id, d.category, d.type_code, d.formed_on, d.details, d.evidence, d.state, d.record_id, r.changed_by
           FROM declarations d LEFT JOIN records r ON r.id = d.record_id WHERE d.id = $1 FOR UPDATE OF d`,
          [input.declarationId],
        );
        const row = found.rows[0]!;
        if (row.state === 'accepted' || row.state === 'rejected') {
          return { personId: row.person_id, state: row.state, recordId: row.record_id, recordAdded: row.changed_by === input.workflowId };
        }
        let recordId: string | null = null;
        let recordAdded = false;
        if (input.decision === 'accept') {
          recordId = (await sameRecord(db, { personId: row.person_id, typeCode: row.type_code, formedOn: row.formed_on })) ?? null;
          if (!recordId) {
            recordId = randomUUID();
            recordAdded = true;
            await insertRecord(db, {
              id: recordId,
              sharerId: row.verifier_id,
              reference: `DECL-${input.declarationId}`,
              personId: row.person_id,
              category: row.category,
              typeCode: row.type_code,
              source: 'self-declared',
              formedOn: row.formed_on,
              sharedAt: input.at,
              late: false,
              details: row.details,
              evidence: row.evidence,
              changedBy: input.workflowId,
              changeReason: `Art. 11 self-declaration verified by ${row.verifier_id}`,
            });
          }
        }
        const state = input.decision === 'accept' ? 'accepted' : 'rejected';
        await db.query(
          `UPDATE declarations SET state = $2, record_id = $3, decision_reasons = $4, decided_by = $5, closed_at = $6 WHERE id = $1`,
          [input.declarationId, state, recordId, input.reasons, input.decidedBy, input.at],
        );
        await enqueueNotifications(db, [
          {
            id: `${input.workflowId}/decided`,
            recipientRole: 'person',
            recipientId: row.person_id,
            kind: 'declaration-decided',
            workflowId: input.workflowId,
            body: { declarationId: input.declarationId, state, reasons: input.reasons, recordId },
          },
        ]);
        return { personId: row.person_id, state, recordId, recordAdded };
      });
    },

    async withdrawDeclaration(input: { declarationId: string; workflowId: string; at: string }): Promise<void> {
      await withTransaction(pool, async (db) => {
        const updated = await db.query<{ person_id: string }>(
          `UPDATE declarations SET state = 'withdrawn', closed_at = $2 WHERE id = $1 AND state = 'verifying' RETURNING person_id`,
          [input.declarationId, input.at],
        );
        const row = updated.rows[0];
        if (!row) return;
        await enqueueNotifications(db, [
          { id: `${input.workflowId}/withdrawn`, recipientRole: 'person', recipientId: row.person_id, kind: 'declaration-withdrawn', workflowId: input.workflowId, body: { declarationId: input.declarationId } },
        ]);
      });
    },
  };
}

export type DeclarationActivities = ReturnType<typeof createDeclarationActivities>;
