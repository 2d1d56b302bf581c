import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public, RateLimitClass } from '../access/decorators';
import { parseInput } from '../common/validation';
import { AuthService } from './auth.service';
import { loginSchema, registerSchema } from './auth.dto';

@Controller('api/v1/auth')
@Public()
@RateLimitClass('credentials')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @HttpCode(201)
  register(@Body() body: unknown) {
    return this.auth.register(parseInput(registerSchema, body));
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: unknown) {
    return this.auth.login(parseInput(loginSchema, body));
  }
}
