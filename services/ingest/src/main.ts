import 'reflect-metadata';
import { runService } from '@leap/platform';
import { ingestService } from './service';

runService(ingestService);
