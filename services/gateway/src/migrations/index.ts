import { GatewayInitial1767225600000 } from './1767225600000-gateway-initial.migration';

/** The gateway schema's migrations, oldest first. */
export const gatewayMigrations = [GatewayInitial1767225600000];
