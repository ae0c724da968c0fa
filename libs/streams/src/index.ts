export * from './stream-names';
