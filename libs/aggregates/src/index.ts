export * from './aggregate-store';
export * from './derived-ids';
export * from './snapshot-policies';
export * from './snapshot-store';
export * from './service-aggregate-store';
