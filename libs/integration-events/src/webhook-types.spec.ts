import { INTEGRATION_EVENT_TYPES as SUBSCRIBABLE } from '@accounts/domain';
import { INTEGRATION_EVENT_TYPES } from './integration-event';

// The webhook decider (libs/domain, which may import nothing of this library) checks subscriptions against its own
// list of the published types: the two lists must be the same, or an endpoint could subscribe to nothing.
test('webhook endpoints may subscribe to exactly the published integration event types', () => {
  expect([...SUBSCRIBABLE].sort()).toEqual([...INTEGRATION_EVENT_TYPES].sort());
});
