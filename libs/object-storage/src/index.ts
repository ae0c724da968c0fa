export * from './local-object-storage';
export * from './object-storage.port';
export * from './s3-object-storage';
