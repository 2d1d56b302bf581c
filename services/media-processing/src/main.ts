import 'reflect-metadata';
import { runService } from '@leap/platform';
import { mediaProcessingService } from './service';

runService(mediaProcessingService);
