/**
 * The SockJS session: a transport-agnostic state machine that outlives the requests carrying it.
 * At most one receiver is attached at a time; messages wait for the next in a bounded queue.
 *
 * @module
 */

import { asciiJson } from "../json.ts";
import { closeFrame, HEARTBEAT_FRAME, messageFrame, OPEN_FRAME } from "./frames.ts";
import {
  ANOTHER_CONNECTION,
  type CloseReason,
  GO_AWAY,
  INTERNAL_ERROR,
  SEND_BUFFER_FULL,
} from "./close_codes.ts";
import { type Beating, type Heartbeats, SLOTS } from "./heartbeats.ts";

/** Where a session writes its frames: one WebSocket, streaming response or polling response. */
export interface Receiver {
  /** Whether it stays attached after a frame (WebSocket, streaming) or carries one (polling). */
  readonly streaming: boolean;
  /** Writes one frame to the client. */
  send(frame: string): void;
  /** Ends the receiver's transport (closes the socket or finishes the response). */
  close(): void;
}

/**
 * The states of a session, as in the WebSocket API: CONNECTING until the open frame goes out,
 * CLOSING once closed by one side (the close frame is repeated to late receivers), CLOSED when over.
 */
export const SessionState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/** A session state value. */
export type SessionState = typeof SessionState[keyof typeof SessionState];

/** What every session of a server shares (one object: a session keeps one reference). */
export interface SessionOptions {
  /** Sends heartbeat frames while a receiver is attached and idle (its delay is the period). */
  readonly heartbeats: Heartbeats;
  /** Milliseconds a session waits for a new receiver before it ends. */
  readonly disconnectDelay: number;
  /** Most messages kept for a session with no receiver; past it the session is closed. */
  readonly maxQueuedMessages: number;
  /** When set, called with every frame in (`<`) and out (`>`), for `-d` logging. */
  readonly trace?: ((direction: "<" | ">", sessionId: string, frame: string) => void) | null;
  /** Called when a session's open frame went out. */
  readonly onOpen: (session: Session) => void;
  /** Called when a session is over and can be forgotten by whoever indexes it. */
  readonly onEnd: (session: Session) => void;
  /** Called with what a `data` or `close` listener threw; the session closes with 1011. */
  readonly onError?: (session: Session, error: unknown) => void;
}

/** Information about the request that opened a session. */
export interface SessionRequestInfo {
  /** The transport's name: `websocket`, `xhr`, `xhr_streaming`, ... */
  readonly protocol: string;
  /** The client's address, when the runtime tells it. */
  readonly remoteAddress: string;
  /** The URL of the request that created the session. */
  readonly url: string;
  /** The headers in `KEPT_HEADERS` by lower-case name; frozen, shared by equal sessions. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Listeners of a session, in the spirit of sockjs-node's `conn.on(...)`. */
export interface SessionEvents {
  /** A message arrived from the client. */
  data: (message: string) => void;
  /** The session ended; after this nothing is sent or received. */
  close: (reason: CloseReason) => void;
}

/** What `listen` takes: one object for both events, no closure per connection. */
export interface SessionHandler {
  /** A message arrived from the client. */
  handle(message: string): void;
  /** The session ended; after this nothing is sent or received. */
  closed(reason: CloseReason): void;
}

/** What a server application sees of a client: a SockJS session, or a raw WebSocket. */
export interface SockjsConnection {
  /** The session id. */
  readonly id: string;
  /** About the request that opened the connection. */
  readonly info: SessionRequestInfo;
  /** The connection's state. */
  readonly readyState: SessionState;
  /** Adds a listener for `data` or `close`. */
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): void;
  /** Sets the handler, told before the `on` listeners; a second call replaces the first. */
  listen(handler: SessionHandler): void;
  /** Sends a string message. Returns false when the connection no longer sends. */
  write(message: string): boolean;
  /** Sends a message that is already JSON encoded (ASCII only). */
  writeEncoded(element: string): boolean;
  /** Sends messages whose frame `a[e1,e2,...]` is already built (shared by many sessions). */
  writeFrame(frame: string, elements: readonly string[]): boolean;
  /** Closes the connection with a close frame; safe to call twice. */
  close(reason?: CloseReason): void;
}

/** A session's `on` listeners by event, in the order they were added (lists never changed). */
interface OnListeners {
  data: readonly SessionEvents["data"][];
  close: readonly SessionEvents["close"][];
}

/** The listeners part of a connection, shared by `Session` and the raw WebSocket's. */
export abstract class Listened {
  #handler: SessionHandler | null = null;
  // The `on` listeners, made with the first one: applications that use `listen` have none.
  #listeners: OnListeners | null = null;

  /** The connection's state. */
  abstract get readyState(): SessionState;

  /** Closes the connection with a close frame; safe to call twice. */
  abstract close(reason?: CloseReason): void;

  /** Reports what a listener threw (it must not reach the transport). */
  protected abstract report(error: unknown): void;

  /** Adds a listener for `data` or `close`. */
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): void {
    // New lists, not pushes: an event being told goes on over the listeners it started with.
    const listeners = this.#listeners ??= { data: [], close: [] };
    if (event === "data") listeners.data = [...listeners.data, listener as SessionEvents["data"]];
    else listeners.close = [...listeners.close, listener as SessionEvents["close"]];
  }

  /** Sets the handler, told before the `on` listeners; a second call replaces the first. */
  listen(handler: SessionHandler): void {
    if (this.readyState < SessionState.CLOSING) this.#handler = handler;
  }

  /** Tells the handler, then the `data` listeners; one that throws closes this connection only. */
  protected tellData(message: string): void {
    try {
      this.#handler?.handle(message);
      const listeners = this.#listeners;
      if (listeners) { for (const listener of listeners.data) listener(message); }
    } catch (error) {
      this.#failed(error);
      this.close(INTERNAL_ERROR);
    }
  }

  /** Tells the handler, then the close listeners, and forgets them; each is told in any case. */
  protected tellClose(reason: CloseReason): void {
    const handler = this.#handler;
    const listeners = this.#listeners?.close ?? [];
    this.#listeners = this.#handler = null;
    try {
      handler?.closed(reason);
    } catch (error) {
      this.#failed(error);
    }
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (error) {
        this.#failed(error);
      }
    }
  }

  #failed(error: unknown): void {
    try {
      this.report(error);
    } catch {
      // A reporter that throws has nothing left to tell.
    }
  }
}

/** A SockJS session, the object a server application talks to (sockjs-node's connection). */
export class Session extends Listened implements SockjsConnection, Beating {
  // The id from the URL; null for a session whose id is random and not read yet (see `id`).
  #id: string | null;
  /** About the request that created the session. */
  readonly info: SessionRequestInfo;
  #state: SessionState = SessionState.CONNECTING;
  #options: SessionOptions;
  #receiver: Receiver | null = null;
  // Messages waiting for a receiver: most sessions never queue, so they share NO_MESSAGES.
  #queue: string[] = NO_MESSAGES;
  #closeReason: CloseReason | null = null;
  #closeDelivered = false;
  #heartbeat: number | undefined;
  #lastSent = 0;
  #expiry: ReturnType<typeof setTimeout> | undefined;

  /** Creates a session; `id` null gives it a random id when first read. */
  constructor(id: string | null, info: SessionRequestInfo, options: SessionOptions) {
    super();
    this.#id = id;
    this.info = info;
    this.#options = options;
    this.#armExpiry();
  }

  /** The session id from the URL, or a random one made when first read (most never are). */
  get id(): string {
    return this.#id ??= randomId();
  }

  /** The session's state. */
  get readyState(): SessionState {
    return this.#state;
  }

  /** Whether the client has received this session's close frame. */
  get closeDelivered(): boolean {
    return this.#closeDelivered;
  }

  /** The heartbeat wheel's tick this session waits for, or undefined when it does not wait. */
  get heartbeatDue(): number | undefined {
    return this.#heartbeat;
  }

  /** Messages waiting for a receiver. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /** Sends a string message to the client. Returns false when the session no longer sends. */
  write(message: string): boolean {
    return this.writeEncoded(asciiJson(String(message)));
  }

  /** Sends a message already JSON encoded (ASCII only, see `asciiJson`), any JSON value. */
  writeEncoded(element: string): boolean {
    if (this.#state > SessionState.OPEN) return false;
    this.#ownQueue().push(element);
    this.#queued();
    return true;
  }

  /** Sends messages whose frame `a[e1,e2,...]` is built once for many sessions, or queues them. */
  writeFrame(frame: string, elements: readonly string[]): boolean {
    const receiver = this.#receiver;
    if (
      receiver && receiver.streaming && this.#queue.length === 0 &&
      this.#state === SessionState.OPEN
    ) {
      this.#send(receiver, frame);
      this.#sent(receiver);
      return true;
    }
    if (this.#state > SessionState.OPEN) return false;
    const queue = this.#ownQueue();
    for (const element of elements) queue.push(element);
    this.#queued();
    return true;
  }

  /** Closes the session with a close frame, after what is queued; safe to call twice. */
  close(reason: CloseReason = GO_AWAY): void {
    if (this.#state >= SessionState.CLOSING) return;
    this.#state = SessionState.CLOSING;
    this.#closeReason = reason;
    const receiver = this.#receiver;
    if (receiver) {
      this.#flush();
      this.#detach();
      this.#sendClose(receiver, reason);
    }
    this.#emitClose(reason);
    this.#armExpiry();
  }

  /** Hands a message from the client to the `data` listeners. */
  receive(message: string): void {
    if (this.#state !== SessionState.OPEN) return;
    this.#options.trace?.("<", this.id, message);
    this.tellData(message);
  }

  /**
   * Attaches a receiver. It gets the open frame, or the queued messages, or the close frame when
   * the session is closing, or `c[2010,...]` when another receiver is attached.
   */
  attach(receiver: Receiver): void {
    if (this.#state >= SessionState.CLOSING) {
      return this.#sendClose(receiver, this.#closeReason ?? GO_AWAY);
    }
    if (this.#receiver) {
      this.#send(receiver, closeFrame(ANOTHER_CONNECTION.code, ANOTHER_CONNECTION.reason));
      receiver.close();
      return;
    }
    this.#receiver = receiver;
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    if (this.#state === SessionState.CONNECTING) {
      this.#state = SessionState.OPEN;
      this.#send(receiver, OPEN_FRAME);
      this.#sent(receiver);
      this.#options.onOpen(this);
      return;
    }
    this.#flush();
    if (this.#receiver) this.#armHeartbeat();
  }

  /** Detaches a receiver that finished normally; the session waits for the next one. */
  release(receiver: Receiver): void {
    if (this.#receiver === receiver) this.#release(receiver);
  }

  /** Reports that a receiver's transport went away; an open session ends with `reason`. */
  abort(receiver: Receiver, reason: CloseReason): void {
    if (this.#receiver !== receiver) return;
    this.#detach();
    if (this.#state >= SessionState.CLOSING) return;
    this.#emitClose(reason);
    this.#armExpiry();
  }

  /** Ends the session at once, without waiting for the disconnect delay. */
  destroy(): void {
    if (this.#state === SessionState.CLOSED) return;
    const receiver = this.#receiver;
    this.#detach();
    receiver?.close();
    if (this.#state < SessionState.CLOSING) this.#emitClose(GO_AWAY);
    this.#end();
  }

  /** Called by the heartbeat wheel: sends `h` when the receiver has been idle for the delay. */
  beat(): void {
    this.#heartbeat = undefined;
    const receiver = this.#receiver;
    if (!receiver) return;
    const idle = this.#options.heartbeats.now - this.#lastSent;
    if (idle < SLOTS) {
      this.#armHeartbeat(SLOTS - idle);
      return;
    }
    this.#send(receiver, HEARTBEAT_FRAME);
    this.#sent(receiver);
  }

  /** Sends the session's errors to `onError`. */
  protected report(error: unknown): void {
    this.#options.onError?.(this, error);
  }

  #send(receiver: Receiver, frame: string): void {
    this.#options.trace?.(">", this.id, frame);
    // The wheel's tick count, not the clock: a clock read per frame is costly in sandboxes.
    this.#lastSent = this.#options.heartbeats.now;
    receiver.send(frame);
  }

  // After a frame, if the receiver is still attached: a poll is over, a stream waits for more.
  #sent(receiver: Receiver): void {
    if (this.#receiver !== receiver) return;
    if (!receiver.streaming) this.#release(receiver);
    else this.#armHeartbeat();
  }

  #sendClose(receiver: Receiver, reason: CloseReason): void {
    this.#send(receiver, closeFrame(reason.code, reason.reason));
    this.#closeDelivered = true;
    receiver.close();
  }

  // The queue to add to: the session's own, made on its first message.
  #ownQueue(): string[] {
    return this.#queue === NO_MESSAGES ? (this.#queue = []) : this.#queue;
  }

  // Sends what was just queued, or, with no receiver to take it, checks the queue's limit.
  #queued(): void {
    if (this.#receiver) this.#flush();
    else if (this.#queue.length > this.#options.maxQueuedMessages) this.close(SEND_BUFFER_FULL);
  }

  #release(receiver: Receiver): void {
    this.#detach();
    receiver.close();
    this.#armExpiry();
  }

  #detach(): void {
    this.#receiver = null;
    this.#disarmHeartbeat();
  }

  #flush(): void {
    const receiver = this.#receiver;
    if (!receiver || this.#queue.length === 0) return;
    const frame = messageFrame(this.#queue);
    this.#queue = NO_MESSAGES;
    this.#send(receiver, frame);
    this.#sent(receiver);
  }

  // Armed once per idle period, not per frame: `beat` sends `h` only after a whole idle period.
  #armHeartbeat(ticks?: number): void {
    if (this.#heartbeat !== undefined) return;
    this.#heartbeat = this.#options.heartbeats.arm(this, ticks);
  }

  #disarmHeartbeat(): void {
    if (this.#heartbeat === undefined) return;
    this.#options.heartbeats.disarm();
    this.#heartbeat = undefined;
  }

  #armExpiry(): void {
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => {
      this.#expiry = undefined;
      if (this.#receiver) return;
      if (this.#state < SessionState.CLOSING) this.#emitClose(GO_AWAY);
      this.#end();
    }, this.#options.disconnectDelay);
  }

  #emitClose(reason: CloseReason): void {
    this.#state = SessionState.CLOSING;
    this.#closeReason = reason;
    this.#queue = NO_MESSAGES;
    this.tellClose(reason);
  }

  #end(): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    this.#disarmHeartbeat();
    this.#state = SessionState.CLOSED;
    this.#options.onEnd(this);
  }
}

/** The queue of every session with nothing queued; frozen, so that nothing adds to it. */
const NO_MESSAGES: string[] = Object.freeze([]) as unknown as string[];

/** Returns a random session id (a UUID), as one flat string. */
export function randomId(): string {
  // Node's `randomUUID` is a tree of strings a session would keep for life; copied, it is flat.
  const uuid = crypto.randomUUID();
  const codes = new Array<number>(uuid.length);
  for (let i = 0; i < uuid.length; i++) codes[i] = uuid.charCodeAt(i);
  return String.fromCharCode(...codes);
}
