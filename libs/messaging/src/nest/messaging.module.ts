import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { MessageBus, type ConsumerSpec, type MessageBusOptions } from '../bus';
import { MessagingConfigurationError } from '../errors';
import { MESSAGE_HANDLER_METADATA, type MessageHandlerMetadata, type ParkedHook } from './message-handler.decorator';

export const MESSAGING_CONSUMERS = Symbol('leap:messaging-consumers');

export interface MessagingModuleOptions {
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...deps: any[]) => MessageBusOptions | Promise<MessageBusOptions>;
  /** The queues this service consumes and the types routed to each. */
  consumers: ConsumerSpec[];
  /** Start consuming at application bootstrap (default true). */
  autoStart?: boolean;
}

/** The provider's method a handler's `onParked` names, bound to the provider; a boot error when there is none. */
function parkedHook(instance: Record<string, unknown>, meta: MessageHandlerMetadata, handlerName: string): ParkedHook | undefined {
  if (meta.onParked === undefined) return undefined;
  const hook = instance[meta.onParked];
  if (typeof hook !== 'function') {
    throw new MessagingConfigurationError(`${handlerName} names onParked "${meta.onParked}", which is not a method of its provider`);
  }
  return (hook as ParkedHook).bind(instance);
}

/** Finds `@MessageHandler` methods, registers them, starts the bus, and stops it at shutdown. */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  autoStart = true;

  constructor(
    private readonly bus: MessageBus,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(MESSAGING_CONSUMERS) private readonly consumers: ConsumerSpec[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const consumer of this.consumers) this.bus.registerConsumer(consumer);
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const meta = this.reflector.get<MessageHandlerMetadata | undefined>(MESSAGE_HANDLER_METADATA, prototype[method]);
        if (!meta) continue;
        const name = `${prototype.constructor.name}.${method}`;
        const fn = (instance[method] as (...args: unknown[]) => Promise<unknown>).bind(instance);
        this.bus.registerHandler({ queue: meta.queue, type: meta.type, handle: fn, name, onParked: parkedHook(instance, meta, name) });
      }
    }
    if (this.autoStart) await this.bus.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.stop();
  }
}

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [
        { provide: MESSAGING_CONSUMERS, useValue: options.consumers },
        {
          provide: MessageBus,
          inject: options.inject ?? [],
          useFactory: async (...deps: unknown[]) => new MessageBus(await options.useFactory(...deps)),
        },
        {
          provide: MessagingLifecycle,
          inject: [MessageBus, DiscoveryService, MetadataScanner, Reflector, MESSAGING_CONSUMERS],
          useFactory: (bus: MessageBus, d: DiscoveryService, s: MetadataScanner, r: Reflector, c: ConsumerSpec[]) => {
            const lifecycle = new MessagingLifecycle(bus, d, s, r, c);
            lifecycle.autoStart = options.autoStart ?? true;
            return lifecycle;
          },
        },
      ],
      exports: [MessageBus],
    };
  }
}
