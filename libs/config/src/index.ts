export * from './app-config';
export * from './open-event-store';
