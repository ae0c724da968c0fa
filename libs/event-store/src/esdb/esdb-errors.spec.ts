import { UnknownError } from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../errors';
import { mapEsdbError } from './esdb-errors';

describe('mapEsdbError', () => {
  test.each(['Server Is Not Ready', 'Server Is Busy', 'No leader info available in response'])(
    "BatchAppend's unrecognised status '%s' is a retryable EventStoreUnavailableError that names no stream",
    (message) => {
      const mapped = mapEsdbError(new UnknownError(undefined, `Could not recognize ${message}`), 'user-0b5c');
      expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
      expect((mapped as EventStoreUnavailableError).retryable).toBe(true);
      expect(mapped.message).not.toContain('user-0b5c');
    },
  );

  test('any other UnknownError passes through: it is not known to be safe to retry', () => {
    const error = new UnknownError(undefined, 'Could not recognize something else');
    expect(mapEsdbError(error, 'user-0b5c')).toBe(error);
  });
});
