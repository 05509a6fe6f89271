import { Injectable } from '@nestjs/common';
import { SweepStore, type SweepState } from '@lawsweep/store';
import type { SweepEvent, SweepEventChange } from '../notify/notification';
import { NotifierService } from '../notify/notifier.service';

/** The planner's own moves of a sweep's state (it ends a sweep, or pauses it), each with its webhook message. */
@Injectable()
export class SweepTransitionsService {
  constructor(
    private readonly store: SweepStore,
    private readonly notifier: NotifierService,
  ) {}

  /**
   * Moves the sweep to `change.state` (the store's transition, from `from`, on `expectedRevision`
   * if given) with its webhook message left in the notify outbox by the same step, so a planner
   * stopped in between loses nothing; the message is queued at once when the move happens.
   */
  async moveAndNotify(sweepId: string, from: SweepState[], change: SweepEventChange, expectedRevision?: number): Promise<string> {
    const event: SweepEvent = `sweep.${change.state}`;
    const note = this.notifier.intent(event, sweepId, change);
    const outcome = await this.store.transition(sweepId, from, change.state, { text: change.reason, cause: change.cause }, Date.now(), expectedRevision, note);
    if (outcome === 'ok') this.notifier.sweepEvent(event, sweepId, change, note);
    return outcome;
  }
}
