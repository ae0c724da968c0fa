import { SetMetadata } from '@nestjs/common';
import type { ZodType } from 'zod';
import type { ErrorCode } from '../http/problem';

export const ROUTE_DOCUMENTATION = 'accounts:route-documentation';

export interface RouteDocumentation {
  summary: string;
  /** The request body's schema: the same one the route validates with, so the document cannot drift. */
  body?: ZodType;
  query?: ZodType;
  /** Schema of the success response, when it has a body. */
  response?: ZodType;
  /** The error codes this route answers with, beyond the ones every route has. */
  errors?: ErrorCode[];
}

/** Describes a route in `/openapi.json`. */
export const Documented = (documentation: RouteDocumentation) => SetMetadata(ROUTE_DOCUMENTATION, documentation);
