import { Module } from '@nestjs/common';
import { AdmissionService } from './admission/admission.service';
import { QuotaConsumer } from './admission/quota.consumer';
import { QuotaRepository } from './admission/quota.repository';
import { ReservationSweeper } from './admission/reservation-sweeper.service';
import { Clock } from './clock.service';
import { QuotaWarnings } from './warnings/quota-warnings.service';
import { WarningsRepository } from './warnings/warnings.repository';

/** Plans, usage, admission by reservation, and warnings as usage nears a limit. */
@Module({
  providers: [Clock, QuotaRepository, AdmissionService, QuotaConsumer, ReservationSweeper, WarningsRepository, QuotaWarnings],
})
export class QuotaModule {}
