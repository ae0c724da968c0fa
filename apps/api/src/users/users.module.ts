import { Module } from '@nestjs/common';
import { EmailReservations } from './email-reservations';
import { RegisterUserHandler } from './commands/register-user/register-user.handler';
import { RegisterUserHttpController } from './commands/register-user/register-user.http';

@Module({
  controllers: [RegisterUserHttpController],
  providers: [EmailReservations, RegisterUserHandler],
})
export class UsersModule {}
