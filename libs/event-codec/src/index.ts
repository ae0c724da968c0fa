export * from './event-codec';
export * from './event-shapes';
export * from './snapshot-codec';
