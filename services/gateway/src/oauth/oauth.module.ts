import { Module } from '@nestjs/common';
import './problems';
import { PublishingClient } from '../publishing/publishing.client';
import { OAuthController } from './oauth.controller';
import { OAuthStates } from './oauth-states';

/** Connecting platform accounts with OAuth: the consent URL, a signed single-use state, and the callback that hands the code to the owner service. */
@Module({ controllers: [OAuthController], providers: [OAuthStates, PublishingClient] })
export class OAuthModule {}
