import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AddMemberHttpController } from './commands/add-member/add-member.http';
import { ChangeMemberRoleHttpController } from './commands/change-member-role/change-member-role.http';
import { ChangePlanHttpController } from './commands/change-plan/change-plan.http';
import { CreateOrganizationHttpController } from './commands/create-organization/create-organization.http';
import { RemoveMemberHttpController } from './commands/remove-member/remove-member.http';
import { RenameOrganizationHttpController } from './commands/rename-organization/rename-organization.http';
import { SetPaymentMethodHttpController } from './commands/set-payment-method/set-payment-method.http';
import { TransferOwnershipHttpController } from './commands/transfer-ownership/transfer-ownership.http';
import { OrganizationHandler } from './organization-handler';

@Module({
  imports: [UsersModule],
  // /openapi.json lists routes in the order Nest registers them: keep this order.
  controllers: [
    CreateOrganizationHttpController,
    RenameOrganizationHttpController,
    ChangePlanHttpController,
    TransferOwnershipHttpController,
    SetPaymentMethodHttpController,
    AddMemberHttpController,
    ChangeMemberRoleHttpController,
    RemoveMemberHttpController,
  ],
  providers: [OrganizationHandler],
  exports: [OrganizationHandler],
})
export class OrganizationsModule {}
