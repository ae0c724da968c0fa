import { Module } from '@nestjs/common';
import { ChangeEmailHandler, ChangeEmailHttpController } from './commands/change-email/change-email';
import { ChangePasswordHandler, ChangePasswordHttpController } from './commands/change-password/change-password';
import { EraseUserHandler, EraseUserHttpController } from './commands/erase-user/erase-user';
import { RegisterUserHandler } from './commands/register-user/register-user.handler';
import { RegisterUserHttpController } from './commands/register-user/register-user.http';
import { EmailReservations } from './email-reservations';
import { UserLookup } from './user-lookup';

@Module({
  controllers: [RegisterUserHttpController, ChangeEmailHttpController, ChangePasswordHttpController, EraseUserHttpController],
  providers: [EmailReservations, UserLookup, RegisterUserHandler, ChangeEmailHandler, ChangePasswordHandler, EraseUserHandler],
  exports: [UserLookup, EmailReservations],
})
export class UsersModule {}
