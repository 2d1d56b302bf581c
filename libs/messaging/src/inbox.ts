import type { EntityManager } from 'typeorm';
import type { Envelope } from './envelope';

/**
 * Records the message in the schema's inbox under `consumer`, in the handler's transaction; false
 * when it was there already (a redelivery, or a replay of a message that had been handled).
 */
export async function claimInbox(manager: EntityManager, schema: string, envelope: Envelope, consumer: string): Promise<boolean> {
  const inserted: unknown[] = await manager.query(
    `INSERT INTO "${schema}".inbox (message_id, consumer, message_type) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING message_id`,
    [envelope.id, consumer, envelope.type],
  );
  return inserted.length > 0;
}
