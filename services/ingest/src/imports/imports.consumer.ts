import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type AddRecordingFromUrl,
  type AddRecordingFromUrlResult,
  type AddRecordingsFromPlaylist,
  type AddRecordingsFromPlaylistResult,
  type FormatsPreview,
  type PreviewFormats,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import { AddUrlService } from './add-url.service';
import { PlaylistService } from './playlist.service';

/** Recordings added from elsewhere: a URL (and, through it, a playlist's entries). */
@Injectable()
export class ImportsConsumer {
  constructor(
    private readonly addUrl: AddUrlService,
    private readonly playlists: PlaylistService,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.AddRecordingFromUrl, { queue: INGEST_COMMANDS_QUEUE })
  add(ctx: MessageContext<AddRecordingFromUrl>): Promise<AddRecordingFromUrlResult> {
    return this.addUrl.add(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.AddRecordingsFromPlaylist, { queue: INGEST_COMMANDS_QUEUE })
  addPlaylist(ctx: MessageContext<AddRecordingsFromPlaylist>): Promise<AddRecordingsFromPlaylistResult> {
    return this.playlists.addPlaylist(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.PreviewFormats, { queue: INGEST_COMMANDS_QUEUE })
  preview(ctx: MessageContext<PreviewFormats>): Promise<FormatsPreview> {
    return this.playlists.preview(ctx.data);
  }
}
