import { Injectable } from '@nestjs/common';

/** The time, by injection, so that tests can hold it still. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
