import { Module } from '@nestjs/common';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersRepository } from './admin-users.repository';
import { AdminUsersService } from './admin-users.service';
import { AuditLogController } from './audit-log.controller';
import { AuditLog } from './audit-log.service';
import { AdminJobsController } from './jobs.controller';
import { AdminJobsService } from './jobs.service';
import { AdminStorageController } from './storage.controller';
import { AdminStorageService } from './storage.service';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';

/** The admin API: users (search, role, activation, flags), the audit log of admin actions, the worker services' jobs, the orphan scan and dead-letter operations. */
@Module({
  controllers: [AdminUsersController, AuditLogController, AdminJobsController, AdminStorageController, DeadLettersController],
  providers: [AdminUsersRepository, AdminUsersService, AuditLog, AdminJobsService, AdminStorageService, DeadLettersService],
})
export class AdminModule {}
