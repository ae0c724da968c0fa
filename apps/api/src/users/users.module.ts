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
import { PasswordResetsHttpController } from './commands/reset-password/password-resets.http';
import { ResetPassword } from './commands/reset-password/reset-password';
import { VerifyEmailHttpController } from './commands/verify-email/verify-email.http';
import { EmailReservations } from './email-reservations';
import { MailedTokens } from './mailed-tokens';
import { UserHandler } from './user-handler';
import { UserLookup } from './user-lookup';

@Module({
  controllers: [RegisterUserHttpController, ChangeEmailHttpController, ChangePasswordHttpController, EraseUserHttpController, VerifyEmailHttpController, PasswordResetsHttpController],
  providers: [InvitationAddresses, EmailReservations, UserLookup, ActingUser, UserHandler, RegisterUser, ChangeEmail, ChangePassword, EraseUserHandler, MailedTokens, ResetPassword],
  exports: [InvitationAddresses, UserLookup, EmailReservations, ActingUser, UserHandler],
})
export class UsersModule {}
