import { schemaNameFor } from '@leap/config';
import { serviceMigrations } from '@leap/platform';
import type { ServiceMigrations } from '@leap/testing';
import { platformServices } from '../../services/embedded/src/platform-services';

/** Every service schema with its migrations, straight from the service definitions. */
export function platformRegistry(): ServiceMigrations[] {
  return platformServices.map((service) => {
    const schema = schemaNameFor(service.name);
    return { schema, migrations: serviceMigrations(service, schema), sources: service.jobs?.length ? ['libs/jobs/src/jobs.sql.ts'] : [] };
  });
}
