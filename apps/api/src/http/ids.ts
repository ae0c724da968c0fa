import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs, which are case-insensitive: `ABC…` and `abc…` name one user, hence one stream. They are lower-cased
 * here, once, as they enter: a path parameter through `PathId`, a body field through `Id`.
 */
export const Id = z.uuid().transform((id) => id.toLowerCase());

/** A path parameter that is an id: in a route contract's `params` (`{ id: PathId }`); a mismatch is a 400. */
export const PathId = z.string().regex(UUID).transform((id) => id.toLowerCase()).describe('must be a UUID');
