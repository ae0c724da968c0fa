export * from './integration-event';
export * from './to-integration-events';
