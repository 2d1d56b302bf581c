/**
 * `npm run topology:export`: writes the RabbitMQ definitions of the whole platform (every
 * exchange, every service's queues with their retry, parking and dead-letter companions, and
 * the bindings) to deploy/rabbitmq/definitions.json, for brokers that load definitions at start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, baseConfigSchema } from '@leap/config';
import { catalog } from '@leap/contracts';
import { buildTopology, toRabbitDefinitions } from '@leap/messaging';
import { platformServices } from '../services/embedded/src/platform-services';

export function platformDefinitions(vhost = '/') {
  const config = loadConfig('topology', baseConfigSchema.pick({ MESSAGING_RETRY_TIERS: true, MESSAGING_DELIVERY_LIMIT: true }), process.env);
  const topologies = platformServices.map((service) =>
    buildTopology(catalog, service.consumers, { deliveryLimit: config.MESSAGING_DELIVERY_LIMIT, retryTiersMs: config.MESSAGING_RETRY_TIERS }),
  );
  return toRabbitDefinitions(topologies, vhost);
}

export const DEFINITIONS_PATH = join(__dirname, '..', 'deploy', 'rabbitmq', 'definitions.json');

if (require.main === module) {
  mkdirSync(join(DEFINITIONS_PATH, '..'), { recursive: true });
  writeFileSync(DEFINITIONS_PATH, `${JSON.stringify(platformDefinitions(), null, 2)}\n`);
  process.stdout.write(`Wrote ${DEFINITIONS_PATH}\n`);
}
