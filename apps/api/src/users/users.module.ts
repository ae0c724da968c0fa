import { Module } from '@nestjs/common';
import { ChangeEmailHandler, ChangeEmailHttpController } from './commands/change-email/change-email';
import { ChangePasswordHandler, ChangePasswordHttpController } from './commands/change-password/change-password';
import { RegisterUserHandler } from './commands/register-user/register-user.handler';
import { RegisterUserHttpController } from './commands/register-user/register-user.http';
import { EmailReservations } from './email-reservations';
import { UserLookup } from './user-lookup';

@Module({
  controllers: [RegisterUserHttpController, ChangeEmailHttpController, ChangePasswordHttpController],
  providers: [EmailReservations, UserLookup, RegisterUserHandler, ChangeEmailHandler, ChangePasswordHandler],
  exports: [UserLookup, EmailReservations],
})
export class UsersModule {}
