import { GatewayInitial1767225600000 } from './1767225600000-gateway-initial.migration';
import { GatewayAccounts1767312000000 } from './1767312000000-gateway-accounts.migration';
import { GatewaySessions1767312050000 } from './1767312050000-gateway-sessions.migration';
import { GatewayApiKeys1767312100000 } from './1767312100000-gateway-api-keys.migration';
import { GatewayIdempotency1767312200000 } from './1767312200000-gateway-idempotency.migration';
import { GatewaySessionTokenVersion1767312260000 } from './1767312260000-gateway-session-token-version.migration';
import { GatewaySweepIndexes1767312300000 } from './1767312300000-gateway-sweep-indexes.migration';
import { GatewayStageProgress1767398400000 } from './1767398400000-gateway-stage-progress.migration';
import { GatewayRecordingLifecycle1767484800000 } from './1767484800000-gateway-recording-lifecycle.migration';
import { GatewayWebhooks1767484800000 } from './1767484800000-gateway-webhooks.migration';
import { GatewayNotifications1767571200000 } from './1767571200000-gateway-notifications.migration';
import { GatewayProgressEvents1767657600000 } from './1767657600000-gateway-progress-events.migration';
import { GatewayShareLinks1767657700000 } from './1767657700000-gateway-share-links.migration';
import { GatewayStageTimings1767657800000 } from './1767657800000-gateway-stage-timings.migration';
import { GatewayWebhookSecretsSealed1767661200000 } from './1767661200000-gateway-webhook-secrets-sealed.migration';
import { GatewayOAuthStates1767700000000 } from './1767700000000-gateway-oauth-states.migration';
import { GatewayQuotaWarningNotifications1767861000000 } from './1767861000000-gateway-quota-warning-notifications.migration';
import { GatewayResumableUploads1767657600000 } from './1767657600000-gateway-resumable-uploads.migration';

/** The gateway schema's migrations, oldest first. */
export const gatewayMigrations = [
  GatewayInitial1767225600000,
  GatewayAccounts1767312000000,
  GatewaySessions1767312050000,
  GatewayApiKeys1767312100000,
  GatewayIdempotency1767312200000,
  GatewaySessionTokenVersion1767312260000,
  GatewaySweepIndexes1767312300000,
  GatewayStageProgress1767398400000,
  GatewayRecordingLifecycle1767484800000,
  GatewayWebhooks1767484800000,
  GatewayNotifications1767571200000,
  GatewayProgressEvents1767657600000,
  GatewayResumableUploads1767657600000,
  GatewayShareLinks1767657700000,
  GatewayStageTimings1767657800000,
  GatewayWebhookSecretsSealed1767661200000,
  GatewayOAuthStates1767700000000,
  GatewayQuotaWarningNotifications1767861000000,
];
