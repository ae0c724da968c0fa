/** A pure decider, as every aggregate of the domain is written: the one shape the write side and the specs rely on. */
export interface Decider<TCommand, TEvent, TState> {
  decide(command: TCommand, state: TState): TEvent[];
  evolve(state: TState, event: TEvent): TState;
  /** Many events at once, linear in their number; never changes the state passed in. */
  fold(state: TState, events: readonly TEvent[]): TState;
  initialState(): TState;
}
