import { schemaNameFor } from '@leap/config';
import type { ServiceMigrations } from '@leap/testing';
import { platformServices } from '../../services/embedded/src/platform-services';

/** Every service schema with its migrations, straight from the service definitions. */
export function platformRegistry(): ServiceMigrations[] {
  return platformServices.map((service) => ({ schema: schemaNameFor(service.name), migrations: service.migrations ?? [] }));
}
