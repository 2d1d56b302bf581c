import { Module } from '@nestjs/common';
import './problems';
import { PublishingClient } from '../publishing/publishing.client';
import { IngestAccountsClient } from './ingest-accounts.client';
import { OAuthController } from './oauth.controller';
import { OAuthStates } from './oauth-states';

/** Connecting platform accounts with OAuth: the consent URL, a signed single-use state, and the callback that hands the code to the owner service (ingest for sources, publishing for uploads). */
@Module({ controllers: [OAuthController], providers: [OAuthStates, PublishingClient, IngestAccountsClient] })
export class OAuthModule {}
