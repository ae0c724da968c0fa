export * from './event-codec';
export * from './snapshot-codec';
