import { CreatePublications1767225600000 } from './1767225600000-create-publications.migration';
import { CreateOutputPresets1767398400000 } from './1767398400000-create-output-presets.migration';
import { CreatePlatformCredentials1767484800000 } from './1767484800000-create-platform-credentials.migration';
import { OutputTargets1767571200000 } from './1767571200000-output-targets.migration';
import { RetractTargets1767700000000 } from './1767700000000-retract-targets.migration';
import { PublicationSidecars1767841000000 } from './1767841000000-publication-sidecars.migration';

/** The publishing schema's migrations, oldest first. */
export const publishingMigrations = [CreatePublications1767225600000, CreateOutputPresets1767398400000, CreatePlatformCredentials1767484800000, OutputTargets1767571200000, RetractTargets1767700000000, PublicationSidecars1767841000000];
