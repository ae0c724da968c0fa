import type { Decider } from '../shared/decider';
import { DomainError, type DomainErrorCode } from '../shared/domain-error';

/**
 * Given/when/then for deciders, with no I/O: `spec.given(history).when(command).then(expectedEvents)` or
 * `.thenThrows('code')`. The history is folded with the decider's own `fold`, as the aggregate store does.
 */
export function deciderSpecification<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: E[] = []) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, decider.fold(decider.initialState(), history));
          return {
            then(expected: E[]): void {
              expect(run()).toEqual(expected);
            },
            /** `inspect` sees the error, e.g. to check that its message repeats no input. */
            thenThrows(code: DomainErrorCode, inspect?: (error: DomainError) => void): void {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
              inspect?.(thrown as DomainError);
            },
          };
        },
      };
    },
  };
}
