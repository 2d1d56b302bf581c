import { Injectable, Module, type DynamicModule, type InjectionToken, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { MessagingConfigurationError } from '@leap/messaging';
import { JobsRuntime, type JobsRuntimeOptions } from '../jobs-runtime';
import { JOB_HANDLER_METADATA, type JobHandlerMetadata } from './job-handler.decorator';

export interface JobsModuleOptions {
  inject?: InjectionToken[];
  useFactory: (...deps: any[]) => JobsRuntimeOptions | Promise<JobsRuntimeOptions>;
}

function hook<T>(instance: Record<string, unknown>, name: string | undefined, handler: string): T | undefined {
  if (name === undefined) return undefined;
  const fn = instance[name];
  if (typeof fn !== 'function') throw new MessagingConfigurationError(`${handler} names "${name}", which is not a method of its provider`);
  return (fn as (...args: unknown[]) => unknown).bind(instance) as T;
}

/** Finds `@JobHandler` methods, registers them, starts the runners at bootstrap and stops them first at shutdown. */
@Injectable()
export class JobsLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly runtime: JobsRuntime,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const meta = this.reflector.get<JobHandlerMetadata | undefined>(JOB_HANDLER_METADATA, prototype[method]);
        if (!meta) continue;
        const name = `${prototype.constructor.name}.${method}`;
        this.runtime.register({
          kind: meta.kind,
          name,
          run: (instance[method] as (...args: unknown[]) => Promise<never>).bind(instance),
          onFailed: hook(instance, meta.onFailed, name),
          onProgress: hook(instance, meta.onProgress, name),
        });
      }
    }
    await this.runtime.start();
  }

  /** Before the bus stops (`beforeApplicationShutdown`), so what finishing jobs publish is flushed. */
  async onModuleDestroy(): Promise<void> {
    await this.runtime.stop();
  }
}

@Module({})
export class JobsModule {
  static forRoot(options: JobsModuleOptions): DynamicModule {
    return {
      module: JobsModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: JobsRuntime, inject: options.inject ?? [], useFactory: async (...deps: unknown[]) => new JobsRuntime(await options.useFactory(...deps)) },
        { provide: JobsLifecycle, inject: [JobsRuntime, DiscoveryService, MetadataScanner, Reflector], useFactory: (r, d, s, f) => new JobsLifecycle(r, d, s, f) },
      ],
      exports: [JobsRuntime],
    };
  }
}
