export * from './event-codec';
