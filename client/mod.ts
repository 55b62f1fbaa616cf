/**
 * A typed client for Thunderpush, for browsers, Deno and Node 22+.
 *
 * It speaks SockJS over a plain WebSocket (`ws(s)://host/connect/<server>/<session>/websocket`)
 * and falls back to the SockJS client (the global `SockJS`, or `options.SockJS`) when the
 * WebSocket cannot be opened. It sends `CONNECT` and the subscriptions again after every
 * reconnect, and reconnects with exponential backoff and jitter until the server says not to
 * (close codes 9000-9003 and 9005) or {@linkcode ThunderClient.close} is called. With a `token`
 * function it fetches a fresh user token before each attempt (servers with `--require-token`).
 * With history on the server (`--history-size`), it remembers each channel's last offset and
 * epoch and recovers what it missed after a reconnect (`RECOVER`); when it cannot, a `recovery`
 * event tells which channel.
 *
 * It imports nothing but the close-code catalogue, and type-checks against the DOM library alone.
 *
 * @example Receive messages
 * ```ts ignore
 * import { connect } from "./mod.ts";
 *
 * const client = connect("https://push.example.com", {
 *   publicKey: "publickey",
 *   user: "alice",
 *   channels: ["news"],
 * });
 * client.on("message", ({ payload, channel }) => console.log(channel, payload));
 * client.on("state", (state) => console.log("connection is", state));
 * client.subscribe("sports");
 * // later
 * await client.close();
 * ```
 *
 * @module
 */

import { isFinalCloseCode, TOKEN_EXPIRED } from "../lib/protocol/close_codes.ts";

/**
 * The connection state: `"connecting"` until the server opened the session (and again while
 * waiting to reconnect), `"open"` while connected, `"closed"` for good.
 */
export type ConnectionState = "connecting" | "open" | "closed";

/** One message pushed by the application through the HTTP API. */
export interface ThunderMessage {
  /** The POSTed JSON value, parsed; the raw text when it does not parse. */
  readonly payload: unknown;
  /** The channel it was sent to; absent for messages sent to the user. */
  readonly channel?: string;
  /** With history on the server: the push's offset in its channel. */
  readonly offset?: number;
  /** With history on the server: the channel history's epoch. */
  readonly epoch?: string;
}

/**
 * A channel whose missed pushes could not be recovered after a reconnect (history lost, or
 * too old, or off): the application should reload that channel's state.
 */
export interface RecoveryFailure {
  /** The channel. */
  readonly channel: string;
  /** Always false. */
  readonly recovered: false;
  /** The channel history's epoch now ("" when the server keeps none). */
  readonly epoch: string;
  /** The channel's last offset now. */
  readonly offset: number;
}

/** Why a connection (or an attempt to open one) ended. */
export interface CloseInfo {
  /**
   * The SockJS close code: 9000-9005 from Thunderpush, 1006 when the socket just went away, 4001
   * when the `token` function failed.
   */
  readonly code: number;
  /** The reason text. */
  readonly reason: string;
  /** Milliseconds until the next attempt, or `null` when the client gives up. */
  readonly reconnectIn: number | null;
}

/** The events of a {@linkcode ThunderClient} and what their listeners receive. */
export interface ThunderEventMap {
  /** A message arrived. */
  message: ThunderMessage;
  /** The connection state changed. */
  state: ConnectionState;
  /** A connection or an attempt ended. */
  close: CloseInfo;
  /** A channel's missed pushes could not be recovered. */
  recovery: RecoveryFailure;
}

/** How the client waits between reconnect attempts: `initialDelay * factor^n`, capped. */
export interface ReconnectOptions {
  /** Milliseconds before the first attempt (default 1,000). */
  readonly initialDelay?: number;
  /** Longest wait in milliseconds (default 60,000). */
  readonly maxDelay?: number;
  /** Growth per failed attempt (default 2). */
  readonly factor?: number;
  /** Fraction of each delay taken off at random, 0 to 1 (default 0.5). */
  readonly jitter?: number;
}

/** The SockJS client constructor (sockjs-client 0.3.x or 1.x), as far as this client uses it. */
export type SockJSConstructor = new (
  url: string,
  reserved?: unknown,
  options?: Record<string, unknown>,
) => SockJSLike;

/** A SockJS client socket, as far as this client uses it. */
export interface SockJSLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Called once the session is open. */
  onopen: ((event: unknown) => void) | null;
  /** Called with each message; `data` is the decoded element. */
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Called once when the session ends. */
  onclose: ((event: { code: number; reason: string }) => void) | null;
  /** Called on each heartbeat frame. */
  onheartbeat?: ((event: unknown) => void) | null;
  /** Sends one message. */
  send(data: string): void;
  /** Closes the session. */
  close(): void;
}

/** Settings of {@linkcode connect}. */
export interface ConnectOptions {
  /** The public key (the server's `clientkey`). */
  readonly publicKey: string;
  /** The user id; a random `anon-...` id when absent. It may not contain `:`. */
  readonly user?: string;
  /** Channels to subscribe to from the start. */
  readonly channels?: Iterable<string>;
  /**
   * The user token for a server with `--require-token` (sent as `CONNECT user:key:TOKEN`), or a
   * function that fetches one from the application's backend, called before every attempt. A
   * fixed token that expired stops the client (9004); a function gets called again.
   */
  readonly token?: string | (() => string | Promise<string>);
  /** `false` to never reconnect; an object to tune the backoff (default: reconnect). */
  readonly reconnect?: boolean | ReconnectOptions;
  /**
   * Milliseconds without any frame (the server sends a heartbeat every 25 s) after which the
   * connection counts as dead and is replaced; 0 turns the check off (default 60,000).
   */
  readonly heartbeatTimeout?: number;
  /** The WebSocket constructor (default: the global `WebSocket`). */
  readonly WebSocket?: typeof WebSocket;
  /** The SockJS fallback (default: the global `SockJS`); `null` turns the fallback off. */
  readonly SockJS?: SockJSConstructor | null;
  /** Options for the SockJS fallback, e.g. `{ transports: ["xhr-streaming"] }`. */
  readonly sockjsOptions?: Record<string, unknown>;
}

/** A connection to a Thunderpush server that keeps itself up. Create one with {@linkcode connect}. */
export interface ThunderClient {
  /** The current state. */
  readonly state: ConnectionState;
  /** The user id sent in `CONNECT`. */
  readonly user: string;
  /** The channels subscribed to (sent again after each reconnect). */
  readonly channels: readonly string[];
  /** Subscribes to channels: now when open, else as soon as the connection opens. */
  subscribe(...channels: string[]): void;
  /** Unsubscribes from channels. */
  unsubscribe(...channels: string[]): void;
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ThunderEventMap>(
    type: K,
    listener: (event: ThunderEventMap[K]) => void,
  ): () => void;
  /** Closes the connection for good; resolves once the socket is closed. Safe to call twice. */
  close(): Promise<void>;
}

const CHANNEL = /^[A-Za-z0-9_\-=@,.;]{1,64}$/;

/** Whether a channel name is one the server accepts: 1 to 64 of `A-Z a-z 0-9 _ - = @ , . ;`. */
export function isValidChannel(name: string): boolean {
  return CHANNEL.test(name);
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first):
 * `min(maxDelay, initialDelay * factor^attempt)`, minus up to `jitter` of it at random.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "./mod.ts";
 * const delay = backoffDelay(2, { initialDelay: 1000, jitter: 0 });
 * if (delay !== 4000) throw new Error("unexpected delay");
 * ```
 */
export function backoffDelay(
  attempt: number,
  options: ReconnectOptions = {},
  random: () => number = Math.random,
): number {
  const { initialDelay = 1_000, maxDelay = 60_000, factor = 2, jitter = 0.5 } = options;
  const full = Math.min(maxDelay, initialDelay * Math.pow(factor, attempt));
  return Math.round(full * (1 - Math.min(1, Math.max(0, jitter)) * random()));
}

/**
 * Connects to the Thunderpush server at `url` (`https://host`, `ws://host:8080`, or a path on
 * the current page's origin) and keeps the connection up until {@linkcode ThunderClient.close}.
 * The SockJS prefix `/connect` is added unless the URL already ends with it.
 *
 * @example
 * ```ts ignore
 * import { connect } from "./mod.ts";
 * const client = connect("http://localhost:8080", { publicKey: "key", channels: ["news"] });
 * client.on("message", (message) => console.log(message.payload));
 * ```
 */
export function connect(url: string, options: ConnectOptions): ThunderClient {
  return new Client(endpoint(url), options);
}

/** The SockJS endpoint for a server URL, with an `http(s)` scheme and the `/connect` prefix. */
function endpoint(url: string): URL {
  let base: string | undefined;
  try {
    base = globalThis.location?.href;
  } catch {
    // Deno without --location throws on `location`.
  }
  const u = new URL(url, base);
  if (u.protocol === "ws:") u.protocol = "http:";
  if (u.protocol === "wss:") u.protocol = "https:";
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new TypeError(`Cannot connect to ${url}: expected an http(s) or ws(s) URL`);
  }
  u.search = "";
  u.hash = "";
  const path = u.pathname.replace(/\/+$/, "");
  u.pathname = path.endsWith("/connect") ? path : `${path}/connect`;
  return u;
}

function randomString(length: number, alphabet: string): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** A random user id for clients that were given none. */
function randomUser(): string {
  return `anon-${randomString(16, "0123456789abcdef")}`;
}

/** A promise and the function that resolves it (`Promise.withResolvers` needs newer browsers). */
function signal(): [Promise<void>, () => void] {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return [promise, resolve];
}

/** Reports a listener's exception without stopping the client or the other listeners. */
function report(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** What a link tells the client. */
interface LinkEvents {
  open(): void;
  message(element: unknown): void;
  activity(): void;
  close(code: number, reason: string, opened: boolean): void;
}

/** One socket to the server, SockJS framing already decoded. */
interface Link {
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;
  send(commands: readonly string[]): void;
  /** Closes the socket and reports the end now, with `code` (unless it was reported already). */
  close(code: number, reason: string): void;
}

/** A SockJS session over a raw WebSocket. */
function webSocketLink(prefix: URL, WS: typeof WebSocket, events: LinkEvents): Link {
  const url = new URL(prefix.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname += `/${randomString(3, "0123456789")}/${
    randomString(8, "abcdefghijklmnopqrstuvwxyz0123456789")
  }/websocket`;
  const [closed, socketClosed] = signal();
  let opened = false;
  let reported = false;
  const finish = (code: number, reason: string) => {
    if (reported) return;
    reported = true;
    events.close(code, reason, opened);
  };
  let ws: WebSocket;
  try {
    ws = new WS(url.href);
  } catch (error) {
    queueMicrotask(() => {
      finish(1006, `Cannot open a WebSocket: ${(error as Error)?.message ?? error}`);
      socketClosed();
    });
    return { closed, send() {}, close() {} };
  }
  const shut = () => {
    if (ws.readyState === 0 || ws.readyState === 1) ws.close(1000);
  };
  ws.onerror = () => {};
  ws.onclose = (event) => {
    socketClosed();
    finish(1006, event.reason || (opened ? "Connection lost" : "Cannot connect"));
  };
  ws.onmessage = (event) => {
    if (reported) return;
    events.activity();
    const frame = String(event.data);
    try {
      switch (frame[0]) {
        case "o":
          opened = true;
          return events.open();
        case "a":
          for (const element of JSON.parse(frame.slice(1)) as unknown[]) {
            if (reported) return;
            events.message(element);
          }
          return;
        case "m":
          return events.message(JSON.parse(frame.slice(1)));
        case "c": {
          const [code, reason] = JSON.parse(frame.slice(1)) as [number, string];
          finish(Number(code), String(reason));
          return shut();
        }
      }
    } catch {
      finish(1002, "Broken framing");
      shut();
    }
  };
  return {
    closed,
    send(commands) {
      if (ws.readyState === 1) ws.send(JSON.stringify(commands));
    },
    close(code, reason) {
      finish(code, reason);
      shut();
    },
  };
}

/** A session through the SockJS client library. */
function sockjsLink(
  prefix: URL,
  SockJS: SockJSConstructor,
  sockjsOptions: Record<string, unknown>,
  events: LinkEvents,
): Link {
  const [closed, socketClosed] = signal();
  let opened = false;
  let reported = false;
  const finish = (code: number, reason: string) => {
    if (reported) return;
    reported = true;
    events.close(code, reason, opened);
  };
  let sock: SockJSLike;
  try {
    sock = new SockJS(prefix.href, undefined, sockjsOptions);
  } catch (error) {
    queueMicrotask(() => {
      finish(1006, `Cannot open SockJS: ${(error as Error)?.message ?? error}`);
      socketClosed();
    });
    return { closed, send() {}, close() {} };
  }
  sock.onopen = () => {
    opened = true;
    events.activity();
    if (!reported) events.open();
  };
  sock.onheartbeat = () => events.activity();
  sock.onmessage = (event) => {
    events.activity();
    if (!reported) events.message(event.data);
  };
  sock.onclose = (event) => {
    socketClosed();
    finish(event.code, event.reason);
  };
  return {
    closed,
    send(commands) {
      if (sock.readyState === 1) { for (const command of commands) sock.send(command); }
    },
    close(code, reason) {
      finish(code, reason);
      if (sock.readyState < 2) sock.close();
    },
  };
}

/** A `recovered: false` notice, or undefined for any other element. */
function toRecoveryFailure(element: unknown): RecoveryFailure | undefined {
  if (element === null || typeof element !== "object" || "payload" in element) return undefined;
  const { channel, recovered, epoch, offset } = element as Record<string, unknown>;
  if (recovered !== false || typeof channel !== "string") return undefined;
  if (typeof epoch !== "string" || typeof offset !== "number") return undefined;
  return { channel, recovered, epoch, offset };
}

/** A decoded message element: `{payload, channel}` from Thunderpush, a string from old servers. */
function toMessage(element: unknown): ThunderMessage {
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  if (typeof element === "string") return { payload: parse(element) };
  if (element !== null && typeof element === "object" && "payload" in element) {
    const { payload, channel } = element as { payload: unknown; channel?: unknown };
    const value = typeof payload === "string" ? parse(payload) : payload;
    if (typeof channel !== "string") return { payload: value };
    const { offset, epoch } = element as { offset?: unknown; epoch?: unknown };
    return typeof offset === "number" && typeof epoch === "string"
      ? { payload: value, channel, offset, epoch }
      : { payload: value, channel };
  }
  return { payload: element };
}

type Listeners = { [K in keyof ThunderEventMap]: Set<(event: ThunderEventMap[K]) => void> };

class Client implements ThunderClient {
  readonly user: string;
  readonly #prefix: URL;
  readonly #publicKey: string;
  readonly #reconnect: ReconnectOptions | null;
  readonly #heartbeatTimeout: number;
  readonly #WebSocket: typeof WebSocket | undefined;
  readonly #SockJS: SockJSConstructor | null;
  readonly #sockjsOptions: Record<string, unknown>;
  readonly #channels = new Set<string>();
  readonly #listeners: Listeners = {
    message: new Set(),
    state: new Set(),
    close: new Set(),
    recovery: new Set(),
  };
  // Where each channel is in its history (pushes with history only), for RECOVER.
  readonly #positions = new Map<string, { epoch: string; offset: number }>();
  readonly #closing = new Set<Promise<void>>();
  readonly #token: string | (() => string | Promise<string>) | undefined;
  /** Consecutive 9004s: a backend handing out expired tokens gets ever slower retries. */
  #expiredInRow = 0;
  #state: ConnectionState = "connecting";
  #link: Link | null = null;
  #attempt = 0;
  #preferSockjs = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #lastActivity = 0;

  constructor(prefix: URL, options: ConnectOptions) {
    if (typeof options?.publicKey !== "string") {
      throw new TypeError("Cannot connect: options.publicKey must be a string");
    }
    const user = options.user ?? randomUser();
    if (user.includes(":")) throw new TypeError(`Invalid user id "${user}": it contains ":"`);
    this.user = user;
    this.#prefix = prefix;
    this.#publicKey = options.publicKey;
    this.#reconnect = options.reconnect === false
      ? null
      : options.reconnect === true || options.reconnect === undefined
      ? {}
      : options.reconnect;
    this.#heartbeatTimeout = options.heartbeatTimeout ?? 60_000;
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this.#SockJS = options.SockJS === undefined
      ? (globalThis as { SockJS?: SockJSConstructor }).SockJS ?? null
      : options.SockJS;
    this.#sockjsOptions = options.sockjsOptions ?? {};
    this.#token = options.token;
    if (this.#token !== undefined && typeof this.#token !== "function") {
      checkToken(this.#token);
    }
    if (!this.#WebSocket && !this.#SockJS) {
      throw new TypeError("Cannot connect: no WebSocket (pass options.WebSocket) and no SockJS");
    }
    for (const channel of options.channels ?? []) this.#channels.add(checkChannel(channel));
    this.#open();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get channels(): readonly string[] {
    return [...this.#channels];
  }

  subscribe(...channels: string[]): void {
    const added = channels.map(checkChannel).filter((ch) => !this.#channels.has(ch));
    for (const channel of added) this.#channels.add(channel);
    if (added.length > 0 && this.#state === "open") {
      this.#link?.send([`SUBSCRIBE ${[...new Set(added)].join(":")}`]);
    }
  }

  unsubscribe(...channels: string[]): void {
    const removed = channels.filter((ch) => this.#channels.delete(ch));
    for (const channel of removed) this.#positions.delete(channel);
    if (removed.length > 0 && this.#state === "open") {
      this.#link?.send([`UNSUBSCRIBE ${removed.join(":")}`]);
    }
  }

  on<K extends keyof ThunderEventMap>(
    type: K,
    listener: (event: ThunderEventMap[K]) => void,
  ): () => void {
    const set = this.#listeners[type] as Set<(event: ThunderEventMap[K]) => void>;
    if (!set) throw new TypeError(`Unknown event "${String(type)}"`);
    set.add(listener);
    return () => set.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#state !== "closed") {
      this.#stopTimers();
      const link = this.#link;
      this.#link = null;
      this.#setState("closed");
      if (link) {
        link.close(1000, "Normal closure");
        this.#track(link.closed);
      }
    }
    await Promise.all([...this.#closing]);
  }

  #emit<K extends keyof ThunderEventMap>(type: K, event: ThunderEventMap[K]): void {
    const set = this.#listeners[type] as Set<(event: ThunderEventMap[K]) => void>;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        report(error);
      }
    }
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emit("state", state);
  }

  #track(closing: Promise<void>): void {
    this.#closing.add(closing);
    closing.then(() => this.#closing.delete(closing));
  }

  #stopTimers(): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#watchdog);
    this.#reconnectTimer = undefined;
    this.#watchdog = undefined;
  }

  /** Gets the token (calling the `token` function), then opens a link. */
  #open(): void {
    this.#reconnectTimer = undefined;
    const source = this.#token;
    if (typeof source !== "function") return this.#openLink(source);
    // No link while the token is fetched: a marker stands in, so that close() can cancel.
    const pending: Link = { closed: Promise.resolve(), send() {}, close() {} };
    this.#link = pending;
    (async () => checkToken(await source()))().then(
      (token) => {
        if (this.#link === pending) this.#openLink(token);
      },
      (error) => {
        if (this.#link !== pending) return;
        this.#link = null;
        this.#lost(4001, `Cannot get a token: ${(error as Error)?.message ?? error}`, false, true);
      },
    );
  }

  /** Opens a link: WebSocket first (unless it failed where SockJS worked), then SockJS. */
  #openLink(token: string | undefined, viaSockjs = this.#preferSockjs || !this.#WebSocket): void {
    // The callbacks run asynchronously, after `link` below is set.
    const events: LinkEvents = {
      open: () => {
        if (this.#link !== link) return;
        this.#attempt = 0;
        if (viaSockjs && this.#WebSocket) this.#preferSockjs = true;
        const auth = token === undefined ? "" : `:${token}`;
        link.send([`CONNECT ${this.user}:${this.#publicKey}${auth}`, ...this.#subscriptions()]);
        this.#armWatchdog();
        this.#setState("open");
      },
      message: (element) => {
        if (this.#link !== link) return;
        this.#expiredInRow = 0;
        this.#received(element);
      },
      activity: () => {
        this.#lastActivity = Date.now();
      },
      close: (code, reason, opened) => {
        if (this.#link !== link) return;
        this.#link = null;
        this.#track(link.closed);
        this.#lost(code, reason, opened, viaSockjs, token);
      },
    };
    const link = viaSockjs
      ? sockjsLink(this.#prefix, this.#SockJS!, this.#sockjsOptions, events)
      : webSocketLink(this.#prefix, this.#WebSocket!, events);
    this.#link = link;
  }

  /** SUBSCRIBE for channels without a position, RECOVER for the others. */
  #subscriptions(): string[] {
    const fresh = this.channels.filter((ch) => !this.#positions.has(ch));
    const commands = fresh.length > 0 ? [`SUBSCRIBE ${fresh.join(":")}`] : [];
    for (const [channel, { epoch, offset }] of this.#positions) {
      if (this.#channels.has(channel)) commands.push(`RECOVER ${channel} ${epoch} ${offset}`);
    }
    return commands;
  }

  /** A push (its position remembered) or a `recovered: false` notice. */
  #received(element: unknown): void {
    const failure = toRecoveryFailure(element);
    const message = failure ? undefined : toMessage(element);
    const at = failure ?? message;
    if (at?.channel !== undefined && at.epoch !== undefined && at.offset !== undefined) {
      if (at.epoch === "") this.#positions.delete(at.channel);
      else this.#positions.set(at.channel, { epoch: at.epoch, offset: at.offset });
    }
    if (failure) this.#emit("recovery", failure);
    else this.#emit("message", message!);
  }

  /** A link ended: fall back to SockJS, schedule a reconnect, or give up. */
  #lost(
    code: number,
    reason: string,
    opened: boolean,
    viaSockjs: boolean,
    token?: string,
  ): void {
    clearTimeout(this.#watchdog);
    if (this.#state === "closed") return;
    if (!opened && !viaSockjs && this.#SockJS && !isFinalCloseCode(code)) {
      return this.#openLink(token, true);
    }
    const expired = code === TOKEN_EXPIRED.code;
    const stale = expired && typeof this.#token !== "function";
    if (isFinalCloseCode(code) || stale || this.#reconnect === null) {
      this.#emit("close", { code, reason, reconnectIn: null });
      this.#setState("closed");
      return;
    }
    // Opening reset the attempts; tokens that keep coming expired back off all the same.
    if (expired) this.#attempt = Math.max(this.#attempt, this.#expiredInRow++);
    else this.#expiredInRow = 0;
    const delay = backoffDelay(this.#attempt++, this.#reconnect);
    this.#reconnectTimer = setTimeout(() => this.#open(), delay);
    this.#emit("close", { code, reason, reconnectIn: delay });
    this.#setState("connecting");
  }

  /** Replaces the connection when no frame arrived for `heartbeatTimeout` milliseconds. */
  #armWatchdog(): void {
    const timeout = this.#heartbeatTimeout;
    if (timeout <= 0) return;
    this.#lastActivity = Date.now();
    const check = () => {
      const idle = Date.now() - this.#lastActivity;
      if (idle < timeout) {
        this.#watchdog = setTimeout(check, timeout - idle);
        return;
      }
      this.#link?.close(4000, "Heartbeat timeout");
    };
    this.#watchdog = setTimeout(check, timeout);
  }
}

/** A token must be text that cannot break the CONNECT line (a JWT never holds these). */
function checkToken(token: unknown): string {
  if (typeof token !== "string" || token === "" || /[:\s]/.test(token)) {
    throw new TypeError('Invalid token: expected a non-empty string without ":" or spaces');
  }
  return token;
}

function checkChannel(channel: string): string {
  if (!isValidChannel(channel)) {
    throw new TypeError(
      `Invalid channel name "${channel}": expected 1 to 64 of A-Z a-z 0-9 _ - = @ , . ;`,
    );
  }
  return channel;
}
