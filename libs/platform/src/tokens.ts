/** Injection tokens the platform provides to every service's feature modules. */
export const SERVICE_CONFIG = Symbol('leap:service-config');
export const SERVICE_LOGGER = Symbol('leap:service-logger');
export const SERVICE_DEFINITION = Symbol('leap:service-definition');
export const TRANSPORT = Symbol('leap:transport');
/** The ObjectStore (@leap/storage-client) of the configured backend. */
export const OBJECT_STORE = Symbol('leap:object-store');
