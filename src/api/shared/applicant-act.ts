import type { Actor } from '../../domain/roles';
import { ApiError } from '../errors';
import { throughTemporal } from '../workflow-failures';

/** A person's filing (an objection, a declaration, a repair) as an act of its applicant needs it. */
export interface Filing {
  id: string;
  /** The path parameter that names it, for the answer's field. */
  field: string;
  /** What it is, for the answer's message. */
  noun: string;
  /** The code of the answer when it is no longer open, e.g. `objection-closed`. */
  closedCode: string;
  /** The stored filing, undefined when there is none. */
  stored: { personId: string; state: string; open: boolean } | undefined;
}

/**
 * An act of the applicant on their own open filing, such as its withdrawal: an Update of its
 * workflow, answered with the filing's state. Another person's filing is not told apart from none
 * (404, Art. 22); a closed one is 409 with the process's code.
 */
export async function applicantAct(actor: Actor, filing: Filing, act: () => Promise<{ state: string }>): Promise<{ state: string }> {
  const { stored } = filing;
  if (!stored || stored.personId !== actor.personId) throw new ApiError(404, 'not-found', `No ${filing.noun} ${filing.id}`, filing.field);
  if (!stored.open) throw new ApiError(409, filing.closedCode, `The ${filing.noun} is already ${stored.state}`, filing.field);
  const view = await throughTemporal(act, { message: `No ${filing.noun} ${filing.id}`, field: filing.field });
  return { state: view.state };
}
