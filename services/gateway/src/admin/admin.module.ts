import { Module } from '@nestjs/common';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersRepository } from './admin-users.repository';
import { AdminUsersService } from './admin-users.service';
import { AuditLogController } from './audit-log.controller';
import { AuditLog } from './audit-log.service';

/** The admin API: users (search, role, activation, flags) and the audit log of admin actions. */
@Module({
  controllers: [AdminUsersController, AuditLogController],
  providers: [AdminUsersRepository, AdminUsersService, AuditLog],
})
export class AdminModule {}
