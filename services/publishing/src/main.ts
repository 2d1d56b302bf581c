import 'reflect-metadata';
import { runService } from '@leap/platform';
import { publishingService } from './service';

runService(publishingService);
