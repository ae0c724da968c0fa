/** Stream names carry ids only, never personal data: `user-<uuid>`; email reservations use a keyed hash. */
export const USER_STREAM_PREFIX = 'user-';
export const ORGANIZATION_STREAM_PREFIX = 'organization-';

export const WEBHOOK_STREAM_PREFIX = 'webhook-';

export const userStream = (userId: string) => `${USER_STREAM_PREFIX}${userId}`;
export const organizationStream = (organizationId: string) => `${ORGANIZATION_STREAM_PREFIX}${organizationId}`;

/** The user a stream belongs to, when it is a user's stream. */
export const userIdOfStream = (streamName: string) => (streamName.startsWith(USER_STREAM_PREFIX) ? streamName.slice(USER_STREAM_PREFIX.length) : undefined);

/** A webhook endpoint's stream: `webhook-<uuid>`. */
export const webhookStream = (webhookId: string) => `${WEBHOOK_STREAM_PREFIX}${webhookId}`;
