import { Global, Module } from '@nestjs/common';
import { AttemptThrottle } from './attempt-throttle';

/** Throttles for login and password reset: global, so any route (issue 16's password reset too) can inject it. */
@Global()
@Module({ providers: [AttemptThrottle], exports: [AttemptThrottle] })
export class ThrottlingModule {}
