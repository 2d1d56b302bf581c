import 'reflect-metadata';
import { runService } from '@leap/platform';
import { quotaService } from './service';

runService(quotaService);
