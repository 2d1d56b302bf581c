import { GatewayInitial1767225600000 } from './1767225600000-gateway-initial.migration';
import { GatewayAccounts1767312000000 } from './1767312000000-gateway-accounts.migration';
import { GatewaySessions1767312050000 } from './1767312050000-gateway-sessions.migration';
import { GatewayApiKeys1767312100000 } from './1767312100000-gateway-api-keys.migration';
import { GatewayIdempotency1767312200000 } from './1767312200000-gateway-idempotency.migration';
import { GatewaySessionTokenVersion1767312260000 } from './1767312260000-gateway-session-token-version.migration';
import { GatewaySweepIndexes1767312300000 } from './1767312300000-gateway-sweep-indexes.migration';

/** The gateway schema's migrations, oldest first. */
export const gatewayMigrations = [
  GatewayInitial1767225600000,
  GatewayAccounts1767312000000,
  GatewaySessions1767312050000,
  GatewayApiKeys1767312100000,
  GatewayIdempotency1767312200000,
  GatewaySessionTokenVersion1767312260000,
  GatewaySweepIndexes1767312300000,
];
