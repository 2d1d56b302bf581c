import { Module } from '@nestjs/common';
import { AuthSweep } from './auth-sweep.service';

/** Periodic clean-up of the gateway's identity tables (`AuthSweep`). */
@Module({
  providers: [AuthSweep],
  exports: [AuthSweep],
})
export class MaintenanceModule {}
