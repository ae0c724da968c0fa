export * from './app-config';
export * from './open-event-store';
export * from './open-redis';
export * from './redis-url';
