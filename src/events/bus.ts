/**
 * Synchronous publish/subscribe for pipeline events. Handlers are plain
 * arrays per event type, run by an index loop: no emitter overhead, and a
 * handler that throws is counted and isolated instead of stopping the capture.
 */
import type { EventOf, PicketEvent, PicketEventType } from './types.js';

type Handler = (event: PicketEvent) => void;

/** A handler and who subscribed it (a rule id), to name the owner of a failure. */
interface Subscription {
  handler: Handler;
  owner: string | undefined;
}

export class EventBus {
  readonly #handlers = new Map<string, Subscription[]>();
  readonly #any: Handler[] = [];
  readonly #logs: Handler[] = [];
  /** Errors thrown by handlers, by event type (a handler bug never stops the capture). */
  readonly handlerErrors = new Map<string, number>();
  /** The same errors by the owner given to `on` (handlers subscribed without one are not here). */
  readonly ownerErrors = new Map<string, number>();
  /** Called with each handler error, the event, and the handler's owner when it has one. */
  onError: ((err: unknown, event: PicketEvent, owner: string | undefined) => void) | null = null;

  /** Subscribe to one event type; `owner` (e.g. a rule id) names the handler in error counts. */
  on<T extends PicketEventType>(type: T, handler: (event: EventOf<T>) => void, owner?: string): void {
    let list = this.#handlers.get(type);
    if (list === undefined) {
      list = [];
      this.#handlers.set(type, list);
    }
    list.push({ handler: handler as Handler, owner });
  }

  /** Subscribe to every event (log writers, the store). */
  onAny(handler: (event: PicketEvent) => void): void {
    this.#any.push(handler);
  }

  /**
   * Subscribe to log records only (events that carry `log` and `record`).
   * Unlike `onAny`, this does not make `has()` true for event types that are
   * never logs, so producers still skip building those.
   */
  onLog(handler: (event: PicketEvent) => void): void {
    this.#logs.push(handler);
  }

  /** Handlers subscribed with onLog. */
  get logListeners(): number {
    return this.#logs.length;
  }

  /** True when someone listens to `type`: lets producers skip building events nobody reads. */
  has(type: PicketEventType): boolean {
    return this.#any.length > 0 || (this.#handlers.get(type)?.length ?? 0) > 0;
  }

  /**
   * What this bus listens to, for a producer on another thread that must
   * decide which events to send over: every event (`any`), log records
   * (`logs`), and the event types with their own handlers.
   */
  listening(): { any: boolean; logs: boolean; types: PicketEventType[] } {
    const types: PicketEventType[] = [];
    for (const [type, list] of this.#handlers) if (list.length > 0) types.push(type as PicketEventType);
    return { any: this.#any.length > 0, logs: this.#logs.length > 0, types };
  }

  emit(event: PicketEvent): void {
    const list = this.#handlers.get(event.type);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        this.#call(s.handler, event, s.owner);
      }
    }
    for (let i = 0; i < this.#any.length; i++) this.#call(this.#any[i]!, event, undefined);
    if (this.#logs.length > 0 && 'log' in event) {
      for (let i = 0; i < this.#logs.length; i++) this.#call(this.#logs[i]!, event, undefined);
    }
  }

  #call(handler: Handler, event: PicketEvent, owner: string | undefined): void {
    try {
      handler(event);
    } catch (err) {
      this.handlerErrors.set(event.type, (this.handlerErrors.get(event.type) ?? 0) + 1);
      if (owner !== undefined) this.ownerErrors.set(owner, (this.ownerErrors.get(owner) ?? 0) + 1);
      if (this.onError !== null) this.onError(err, event, owner);
    }
  }
}
