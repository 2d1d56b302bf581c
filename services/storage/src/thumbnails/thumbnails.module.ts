import { Module } from '@nestjs/common';
import { ThumbnailLibraryService } from './thumbnail-library.service';
import { UserThumbnailsConsumer } from './user-thumbnails.consumer';

/** The shared thumbnails library and the copy each new account gets. */
@Module({ providers: [ThumbnailLibraryService, UserThumbnailsConsumer], exports: [ThumbnailLibraryService] })
export class ThumbnailsModule {}
