import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public, RateLimitClass } from '../access/decorators';
import { parseInput } from '../common/validation';
import { registerSchema } from './identity.dto';
import { RegistrationService } from './registration.service';

@Controller('api/v1/auth')
@Public()
@RateLimitClass('credentials')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post('register')
  @HttpCode(201)
  register(@Body() body: unknown) {
    return this.registration.register(parseInput(registerSchema, body));
  }
}
