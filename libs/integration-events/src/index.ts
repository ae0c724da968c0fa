export * from './integration-event';
export * from './invitation-events';
export * from './to-integration-events';
