import 'reflect-metadata';
import { runService } from '@leap/platform';
import { transcriptionService } from './service';

runService(transcriptionService);
