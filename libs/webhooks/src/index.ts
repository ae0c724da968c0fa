export * from './standard-webhooks';
export * from './webhook-post';
export * from './webhook-target';
