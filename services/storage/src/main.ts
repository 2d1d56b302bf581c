import 'reflect-metadata';
import { runService } from '@leap/platform';
import { storageService } from './service';

runService(storageService);
