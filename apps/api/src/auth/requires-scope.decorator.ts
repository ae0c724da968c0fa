import { SetMetadata } from '@nestjs/common';
import type { Scope } from './service-keys';

export const REQUIRED_SCOPE = 'accounts:required-scope';
export const PUBLIC_ROUTE = 'accounts:public-route';

/** The scope a calling service's key must carry for this route. Every non-public route must declare one. */
export const RequiresScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** Health checks and the OpenAPI document: no key needed. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
