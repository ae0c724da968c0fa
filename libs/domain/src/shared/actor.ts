import { DomainError } from './domain-error';

/**
 * Who a command is decided for: the end user the calling service acts for (`X-Actor-Id`), with the facts the handler
 * gathered about them. The decider judges; it never looks anything up.
 */
export interface Actor {
  /** The acting user, when the calling service names one. */
  userId: string | undefined;
  /** Fact: the acting user exists and is not erased (false when there is no acting user). */
  isActive: boolean;
  /** Fact: the calling service's key holds `users:manage` (support and compliance tools may act for any user). */
  mayManageUsers: boolean;
}

/** A command as a route builds it: the handler adds the actor, so every command of an aggregate gets the same facts. */
export type WithoutActor<TCommand> = TCommand extends { actor: Actor } ? Omit<TCommand, 'actor'> : TCommand;

/** An erased or unknown user is never an actor: nothing is decided on their behalf. */
export function requireActiveActor(actor: Actor): void {
  if (actor.userId !== undefined && !actor.isActive) throw new DomainError('user_not_found', 'The acting user does not exist.');
}
