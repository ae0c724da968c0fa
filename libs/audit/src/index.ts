export * from './audit-reader';
export * from './audit-view';
export * from './export-events';
export * from './state-at';
