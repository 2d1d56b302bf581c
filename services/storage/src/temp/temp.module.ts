import { Module } from '@nestjs/common';
import { TempSweepService } from './temp-sweep.service';

/** The sweep of unfinished writes in the store. */
@Module({ providers: [TempSweepService] })
export class TempModule {}
