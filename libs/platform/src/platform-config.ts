import type { BaseConfig } from '@leap/config';

/** The part of every service's configuration the platform itself reads. */
export type PlatformConfig = BaseConfig;
