export * from './event-codec';
export * from './event-shapes';
