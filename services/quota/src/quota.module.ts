import { Module } from '@nestjs/common';
import { AdmissionService } from './admission/admission.service';
import { QuotaConsumer } from './admission/quota.consumer';
import { QuotaRepository } from './admission/quota.repository';
import { ReservationSweeper } from './admission/reservation-sweeper.service';
import { Clock } from './clock.service';

/** Plans, usage and admission by reservation. */
@Module({
  providers: [Clock, QuotaRepository, AdmissionService, QuotaConsumer, ReservationSweeper],
})
export class QuotaModule {}
