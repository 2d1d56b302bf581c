import { Module } from '@nestjs/common';
import { ThumbnailsController } from '../thumbnails/thumbnails.controller';
import { ThumbnailsService } from '../thumbnails/thumbnails.service';
import { StorageController } from './storage.controller';
import { StorageStreamService } from './storage-stream.service';

/** Objects by key (`/api/v1/storage`) and the thumbnails library (`/api/v1/thumbnails`). */
@Module({ controllers: [StorageController, ThumbnailsController], providers: [StorageStreamService, ThumbnailsService] })
export class StorageModule {}
