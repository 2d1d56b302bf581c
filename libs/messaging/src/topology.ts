import { exchangeFor, type MessageCatalog } from './catalog';
import { UnknownMessageTypeError } from './errors';
import type { ExchangeSpec, QueueSpec, Topology } from './transport';

/** A queue this service consumes and the message types routed to it. */
export interface ConsumerSpec {
  /** `<consumer>.<purpose>`, e.g. `media.trim`. */
  queue: string;
  types: string[];
  /** Deliveries in flight at once; low for long media jobs. */
  prefetch?: number;
}

/**
 * Every service's exchanges (so any message can be published before its owner has started) and
 * the given consumers' queues bound to the exchanges of the types they subscribe to.
 */
export function buildTopology(
  catalog: MessageCatalog,
  consumers: ConsumerSpec[],
  options: { deliveryLimit: number; retryTiersMs: number[] },
): Topology {
  const exchanges = new Map<string, ExchangeSpec>();
  for (const def of catalog.all()) {
    exchanges.set(`${def.service}.events`, { name: `${def.service}.events`, type: 'topic' });
    exchanges.set(`${def.service}.commands`, { name: `${def.service}.commands`, type: 'direct' });
  }
  const queues: QueueSpec[] = consumers.map((consumer) => ({
    name: consumer.queue,
    deliveryLimit: options.deliveryLimit,
    retryTiersMs: options.retryTiersMs,
    bindings: consumer.types.map((type) => {
      const def = catalog.get(type);
      if (!def) throw new UnknownMessageTypeError(type);
      return { exchange: exchangeFor(def), routingKey: type };
    }),
  }));
  return { exchanges: [...exchanges.values()], queues };
}
