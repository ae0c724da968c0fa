import { deciderSpecification } from '../testing/decider-specification';
import { emailReservationDecider, type EmailReservationEvent } from './email-reservation';

const spec = deciderSpecification(emailReservationDecider);
const now = '2026-11-24T10:00:00.000Z';
const reserved = (userId: string): EmailReservationEvent => ({ type: 'EmailReserved', data: { userId, at: now } });

describe('email reservation', () => {
  test('a free address is reserved', () => spec.given([]).when({ type: 'ReserveEmail', data: { userId: 'u1', now } }).then([reserved('u1')]));

  test('an address held by someone else is email_taken', () =>
    spec.given([reserved('u1')]).when({ type: 'ReserveEmail', data: { userId: 'u2', now } }).thenThrows('email_taken'));

  test('reserving again for the same user changes nothing', () =>
    spec.given([reserved('u1')]).when({ type: 'ReserveEmail', data: { userId: 'u1', now } }).then([]));

  test('a released address can be reserved by a new person', () =>
    spec
      .given([reserved('u1'), { type: 'EmailReleased', data: { userId: 'u1', reason: 'erased', at: now } }])
      .when({ type: 'ReserveEmail', data: { userId: 'u2', now } })
      .then([reserved('u2')]));

  test('a stale holder is released first, but only the holder the handler saw', () => {
    spec
      .given([reserved('u1')])
      .when({ type: 'ReserveEmail', data: { userId: 'u2', staleHolder: 'u1', now } })
      .then([{ type: 'EmailReleased', data: { userId: 'u1', reason: 'abandoned', at: now } }, reserved('u2')]);
    spec.given([reserved('u3')]).when({ type: 'ReserveEmail', data: { userId: 'u2', staleHolder: 'u1', now } }).thenThrows('email_taken');
  });

  test('only the holder releases', () => {
    spec.given([reserved('u1')]).when({ type: 'ReleaseEmail', data: { userId: 'u2', reason: 'changed', now } }).then([]);
    spec
      .given([reserved('u1')])
      .when({ type: 'ReleaseEmail', data: { userId: 'u1', reason: 'changed', now } })
      .then([{ type: 'EmailReleased', data: { userId: 'u1', reason: 'changed', at: now } }]);
  });
});
