export * from './event-store.port';
export * from './position';
export * from './filter';
export * from './errors';
