export * from './duration';
export * from './errors';
export * from './fields';
export * from './load-config';
export * from './base.schema';
export { rootPackageVersion } from './version';
