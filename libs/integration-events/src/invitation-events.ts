import { z } from 'zod';
import { ROLES } from '../../domain/src';

/**
 * The invitation events, as the invitations work defines them (not on main yet). Until libs/domain declares them
 * the codec reads them as foreign events, so the feed parses their stored data with these shapes; only the fields
 * the mapping reads are listed (the sealed email and token hash are never looked at). Once the domain has the types,
 * this file goes and the mapping imports them from libs/domain instead.
 */
const id = z.string().min(1);
const time = z.iso.datetime({ offset: true });

const SHAPES = {
  InvitationCreated: z.object({ organizationId: id, invitationId: id, role: z.enum(ROLES), invitedBy: id, expiresAt: time }),
  InvitationAccepted: z.object({ organizationId: id, invitationId: id, userId: id }),
  InvitationRevoked: z.object({ organizationId: id, invitationId: id, byUserId: id }),
  InvitationExpired: z.object({ organizationId: id, invitationId: id }),
};

export type InvitationEventType = keyof typeof SHAPES;

export type InvitationEvent = {
  [T in InvitationEventType]: { type: T; data: z.infer<(typeof SHAPES)[T]> };
}[InvitationEventType];

/** The invitation event a stored type and data make, or undefined when they are not one (or not well formed). */
export function invitationEventOf(type: string, data: unknown): InvitationEvent | undefined {
  if (!Object.hasOwn(SHAPES, type)) return undefined;
  const parsed = SHAPES[type as InvitationEventType].safeParse(data);
  return parsed.success ? ({ type, data: parsed.data } as InvitationEvent) : undefined;
}
