import { Module } from '@nestjs/common';
import { InvitationAddresses } from '../invitations/invitation-addresses';
import { ActingUser } from './acting-user';
import { ChangeEmail } from './commands/change-email/change-email';
import { ChangeEmailHttpController } from './commands/change-email/change-email.http';
import { ChangePassword } from './commands/change-password/change-password';
import { ChangePasswordHttpController } from './commands/change-password/change-password.http';
import { EraseUserHandler, EraseUserHttpController } from './commands/erase-user/erase-user';
import { RegisterUser } from './commands/register-user/register-user';
import { RegisterUserHttpController } from './commands/register-user/register-user.http';
import { EmailReservations } from './email-reservations';
import { UserHandler } from './user-handler';
import { UserLookup } from './user-lookup';

@Module({
  controllers: [RegisterUserHttpController, ChangeEmailHttpController, ChangePasswordHttpController, EraseUserHttpController],
  providers: [InvitationAddresses, EmailReservations, UserLookup, ActingUser, UserHandler, RegisterUser, ChangeEmail, ChangePassword, EraseUserHandler],
  exports: [InvitationAddresses, UserLookup, EmailReservations, ActingUser, UserHandler],
})
export class UsersModule {}
