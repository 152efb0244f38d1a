/**
 * The controllers running in this very process (`npm start`): the api asks them
 * directly, without HTTP and without a token, to poll early or to give back a
 * timer they hold. Controllers elsewhere are reached over HTTP (the controllers
 * table).
 */
import type { ClaimRef } from '../timers/types';

/**
 * A controller's answer about a claim the api wants back: taken out unsent (and
 * when it was due to be sent), too late (its request started), or not held (and
 * promised never to be sent by that controller under that claim).
 */
export type GiveBackAnswer = { outcome: 'given_back'; dueAt: Date } | { outcome: 'started' } | { outcome: 'not_held' };

export interface LocalController {
  nudge(): void;
  giveBack(claim: ClaimRef): GiveBackAnswer;
}

export class LocalControllers {
  private readonly controllers = new Map<string, LocalController>();

  /** Returns how to take it out again (on stop). */
  register(id: string, controller: LocalController): () => void {
    this.controllers.set(id, controller);
    return () => this.controllers.delete(id);
  }

  get(id: string): LocalController | undefined {
    return this.controllers.get(id);
  }

  ids(): string[] {
    return [...this.controllers.keys()];
  }

  all(): LocalController[] {
    return [...this.controllers.values()];
  }
}
