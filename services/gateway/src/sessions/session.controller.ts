import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public, RateLimitClass } from '../access/decorators';
import { parseInput } from '../common/validation';
import { loginSchema } from './sessions.dto';
import { SessionService } from './session.service';

@Controller('api/v1/auth')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @RateLimitClass('credentials')
  login(@Body() body: unknown) {
    return this.sessions.login(parseInput(loginSchema, body));
  }
}
