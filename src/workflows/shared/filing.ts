import type { UpdateDefinition } from '@temporalio/common';
import { condition, setHandler, type ApplicationFailure } from '@temporalio/workflow';
import { refusalOf } from './refusals';

/**
 * Filing an application (an objection, a declaration) as the first step of its workflow, with an
 * Update sent along with the start (update-with-start) that answers once the filing ran: with the
 * process's view, or with the refusal that ended it before anything was recorded. Create one
 * before the first `await`.
 */
export class Filing<View> {
  private outcome: { refused: ApplicationFailure | null } | undefined;

  constructor(update: UpdateDefinition<View, []>, view: () => View) {
    setHandler(update, async () => {
      await condition(() => this.outcome !== undefined);
      if (this.outcome!.refused) throw this.outcome!.refused;
      return view();
    });
  }

  /**
   * Runs the filing activity. A refusal (a non-retryable failure of it) ends the process at once:
   * it returns undefined, and the Update fails with the refusal.
   */
  async file<T>(activity: () => Promise<T>): Promise<T | undefined> {
    try {
      const filed = await activity();
      this.outcome = { refused: null };
      return filed;
    } catch (error) {
      const refused = refusalOf(error);
      if (!refused) throw error;
      this.outcome = { refused };
      return undefined;
    }
  }
}
