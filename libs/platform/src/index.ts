export * from './bootstrap';
export * from './service-definition';
export * from './service-app.module';
export * from './readiness';
export * from './health.controller';
export * from './tokens';
export * from './transport-factory';
export * from './platform-config';
import './typed-messages';
