import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RoutedDeclaration } from '../../domain/declaration';
import { partyWording, workflowSummary, type RefusalAnswers } from '../shared/contract';

/** Self-declaration (Art. 11): a person declares an honour or a social contribution, and the competent agency verifies it. */

export const declarationWorkflowType = 'declarationWorkflow';

export function declarationWorkflowId(declarationId: string): string {
  return `declaration/${declarationId}`;
}

export function declarationSummary(declaration: Pick<RoutedDeclaration, 'category' | 'verifierId'>): string {
  const category = declaration.category === 'honours' ? { zh: '荣誉表彰', en: 'honours' } : { zh: '社会贡献', en: 'social contribution' };
  return workflowSummary({ zh: '自主申报', en: 'Self-declaration' }, category, partyWording({ role: 'agency', agencyId: declaration.verifierId }));
}

export interface DeclarationInput {
  declarationId: string;
  personId: string;
  declaration: RoutedDeclaration;
  filedBy: string;
}

/** `refused`: the declaration could not be filed (see `fileDeclarationUpdate`), and nothing was recorded. */
export type DeclarationState = 'verifying' | 'accepted' | 'rejected' | 'withdrawn' | 'refused';

export interface DeclarationView {
  state: DeclarationState;
  /** The record an accepted declaration became. */
  recordId: string | null;
  openTaskId: string | null;
}

export type DeclarationWorkflow = (input: DeclarationInput) => Promise<DeclarationView>;

/**
 * Answers once the declaration is filed, or fails with the reason it cannot be (a failure named
 * below). Sent with the workflow's start (update-with-start), so the declarant learns at once.
 */
export const fileDeclarationUpdate = defineUpdate<DeclarationView>('fileDeclaration');
/** The declarant withdraws before the agency decides. */
export const withdrawDeclarationUpdate = defineUpdate<DeclarationView, [{ personId: string }]>('withdrawDeclaration');
export const declarationQuery = defineQuery<DeclarationView>('declaration');

export const declarationRouteWorkflowType = 'declarationRouteWorkflow';

/** One change of a route, `declaration-route/{changeId}`. */
export function declarationRouteWorkflowId(changeId: string): string {
  return `declaration-route/${changeId}`;
}

export function declarationRouteSummary(typeCode: string): string {
  return workflowSummary({ zh: '自主申报核验单位', en: 'Declaration routing' }, { zh: typeCode, en: typeCode });
}

/**
 * NDRC names the competent agency that verifies declarations of a type (Art. 11), for one issuer
 * (an honour's awarding body, the organisation served, the charity) or, with issuer '', for any
 * other. The platform routes each declaration by it; the declarant names no one.
 */
export interface DeclarationRoute {
  typeCode: string;
  issuer: string;
  agencyId: string;
  setBy: string;
}

export type DeclarationRouteWorkflow = (route: DeclarationRoute) => Promise<DeclarationRoute & { setAt: string }>;

/** The person already has a record of this type formed that day; the message names it. */
export const DECLARATION_DUPLICATE = 'DeclarationDuplicate';
/** The same type and day are already declared and being verified; the message names that declaration. */
export const DECLARATION_OPEN = 'DeclarationOpen';
/** The type is not an honour or social contribution the catalogue knows, or its details do not fit it. */
export const NOT_DECLARABLE = 'NotDeclarable';
/** The agency named to verify is not a registered public agency. */
export const VERIFIER_NOT_FOUND = 'VerifierNotFound';
/** The declared conduct dates from before the declarant's 18th birthday, which never counts (Art. 3). */
export const DECLARED_BEFORE_ADULTHOOD = 'DeclaredBeforeAdulthood';
/** The declaration is already decided, withdrawn or refused. */
export const DECLARATION_CLOSED = 'DeclarationClosed';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const DECLARATION_REFUSALS: RefusalAnswers = {
  [DECLARATION_DUPLICATE]: { status: 409, code: 'duplicate-record' },
  [DECLARATION_OPEN]: { status: 409, code: 'declaration-open' },
  [DECLARATION_CLOSED]: { status: 409, code: 'declaration-closed' },
  [NOT_DECLARABLE]: { status: 422, code: 'not-declarable' },
  [VERIFIER_NOT_FOUND]: { status: 422, code: 'unknown-verifier' },
  [DECLARED_BEFORE_ADULTHOOD]: { status: 422, code: 'out-of-scope' },
};
