import { queueNames, type QueueSpec, type Topology } from '../../transport';

/** The arguments of a consumer queue and of each companion, shared by declaration and export. */
export function queueArguments(queue: QueueSpec): { name: string; arguments: Record<string, unknown> }[] {
  return [
    {
      name: queue.name,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': queue.deliveryLimit,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queueNames.dlq(queue.name),
      },
    },
    { name: queueNames.error(queue.name), arguments: { 'x-queue-type': 'quorum' } },
    { name: queueNames.dlq(queue.name), arguments: { 'x-queue-type': 'quorum' } },
    ...queue.retryTiersMs.map((tier) => ({
      name: queueNames.retry(queue.name, tier),
      arguments: { 'x-message-ttl': tier, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue.name } as Record<string, unknown>,
    })),
  ];
}

export interface RabbitDefinitions {
  exchanges: { name: string; vhost: string; type: string; durable: true; auto_delete: false; internal: false; arguments: object }[];
  queues: { name: string; vhost: string; durable: true; auto_delete: false; arguments: Record<string, unknown> }[];
  bindings: { source: string; vhost: string; destination: string; destination_type: 'queue'; routing_key: string; arguments: object }[];
}

/** A RabbitMQ definitions file (management import / `load_definitions`) for these topologies. */
export function toRabbitDefinitions(topologies: Topology[], vhost = '/'): RabbitDefinitions {
  const exchanges = new Map<string, RabbitDefinitions['exchanges'][number]>();
  const queues = new Map<string, RabbitDefinitions['queues'][number]>();
  const bindings = new Map<string, RabbitDefinitions['bindings'][number]>();
  for (const topology of topologies) {
    for (const e of topology.exchanges) {
      exchanges.set(e.name, { name: e.name, vhost, type: e.type, durable: true, auto_delete: false, internal: false, arguments: {} });
    }
    for (const q of topology.queues) {
      for (const { name, arguments: args } of queueArguments(q)) {
        queues.set(name, { name, vhost, durable: true, auto_delete: false, arguments: args });
      }
      for (const b of q.bindings) {
        bindings.set(`${b.exchange}|${q.name}|${b.routingKey}`, {
          source: b.exchange,
          vhost,
          destination: q.name,
          destination_type: 'queue',
          routing_key: b.routingKey,
          arguments: {},
        });
      }
    }
  }
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  return {
    exchanges: [...exchanges.values()].sort(byName),
    queues: [...queues.values()].sort(byName),
    bindings: [...bindings.values()].sort((a, b) => `${a.source}${a.destination}${a.routing_key}`.localeCompare(`${b.source}${b.destination}${b.routing_key}`)),
  };
}
