import { Module } from '@nestjs/common';
import { ObjectCatalogueRepository } from '../catalogue/object-catalogue.repository';
import { OrphanScanService } from './orphan-scan.service';
import { OrphanScansRepository } from './orphan-scans.repository';
import { OrphansConsumer } from './orphans.consumer';

/** The orphan scan and repair, on request and on a schedule. */
@Module({ providers: [ObjectCatalogueRepository, OrphanScansRepository, OrphanScanService, OrphansConsumer] })
export class OrphansModule {}
