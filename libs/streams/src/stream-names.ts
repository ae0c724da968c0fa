/** Stream names carry ids only, never personal data: `user-<uuid>`; email reservations use a keyed hash. */
export const userStream = (userId: string) => `user-${userId}`;
export const organizationStream = (organizationId: string) => `organization-${organizationId}`;
