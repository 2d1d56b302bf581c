import { AmqpTransport, PostgresTransport, type MessagingLogger, type Transport } from '@leap/messaging';

export interface TransportSettings {
  MESSAGING_TRANSPORT: 'amqp' | 'postgres';
  RABBITMQ_URL?: string;
  DATABASE_URL: string;
}

/** RabbitMQ in the distributed mode, PostgreSQL rows in the embedded mode; feature code never knows which. */
export function createTransport(service: string, settings: TransportSettings, logger?: MessagingLogger): Transport {
  if (settings.MESSAGING_TRANSPORT === 'postgres') {
    return new PostgresTransport({ connectionString: settings.DATABASE_URL, logger });
  }
  if (!settings.RABBITMQ_URL) throw new Error('RABBITMQ_URL is required when MESSAGING_TRANSPORT=amqp');
  return new AmqpTransport({ url: settings.RABBITMQ_URL, connectionName: `leap-${service}`, logger });
}
