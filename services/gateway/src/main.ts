import 'reflect-metadata';
import { runService } from '@leap/platform';
import { gatewayService } from './service';

runService(gatewayService);
