import { Module } from '@nestjs/common';
import { CatalogueConsumer } from './catalogue.consumer';
import { CatalogueService } from './catalogue.service';
import { ObjectCatalogueRepository } from './object-catalogue.repository';

/** The object catalogue, storage usage and the delete cascade of a recording's objects. */
@Module({ providers: [ObjectCatalogueRepository, CatalogueService, CatalogueConsumer] })
export class CatalogueModule {}
