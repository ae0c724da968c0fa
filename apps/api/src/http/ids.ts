import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ProblemError } from './problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs, which are case-insensitive: `ABC…` and `abc…` name one user, hence one stream. They are lower-cased
 * here, once, as they enter: a path parameter through `IdPipe`, a body field through `Id`.
 */
export const Id = z.uuid().transform((id) => id.toLowerCase());

/** A path parameter that is an id: in a route contract's `params` (`{ id: PathId }`); a mismatch is a 400. */
export const PathId = z.string().regex(UUID).transform((id) => id.toLowerCase()).describe('must be a UUID');

@Injectable()
export class IdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    // 400, as for any path that names no resource the service could have (Nest's ParseUUIDPipe answered the same).
    const id = PathId.safeParse(value);
    if (!id.success) throw new ProblemError('malformed_request', `The path parameter ${metadata.data ?? 'id'} must be a UUID.`);
    return id.data;
  }
}
