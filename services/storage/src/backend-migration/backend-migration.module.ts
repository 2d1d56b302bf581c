import { Module } from '@nestjs/common';
import { BackendCheck } from './backend-check';

/** What the running service knows of `storage:migrate` (the migration itself is a command-line tool: cli.ts). */
@Module({ providers: [BackendCheck] })
export class BackendMigrationModule {}
