import { Module } from '@nestjs/common';

/** The admin API: users (search, role, activation, flags) and the audit log of admin actions. */
@Module({})
export class AdminModule {}
