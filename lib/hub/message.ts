/**
 * Push messages, encoded once per publish and shared by every target connection.
 *
 * @module
 */

import { asciiJson } from "../json.ts";

/**
 * One push, or several pushes to the same target in a row, ready for the wire: `elements` are the
 * JSON objects a client receives, in order, and `frame` the SockJS frame `a[e1,e2,...]` carrying
 * them all, built on first use and then shared by every WebSocket session.
 */
export class Message {
  /** Each push as compact, ASCII-only JSON: `{"payload":"...","channel":"..."}`. */
  readonly elements: readonly string[];
  #frame: string | undefined;

  /** Wraps already encoded message elements (one or more, delivered in this order). */
  constructor(elements: string | readonly string[]) {
    this.elements = typeof elements === "string" ? [elements] : elements;
  }

  /** How many pushes this carries. */
  get size(): number {
    return this.elements.length;
  }

  /** The SockJS frame carrying every element, in order. */
  get frame(): string {
    return this.#frame ??= "a[" + this.elements.join(",") + "]";
  }

  /** The pushes of several messages, in order, as one message (one frame). */
  static join(messages: readonly Message[]): Message {
    return messages.length === 1 ? messages[0] : new Message(messages.flatMap((m) => m.elements));
  }

  /**
   * The message for a channel push: `{"payload":"<body>","channel":"<name>"}`, key order as in
   * the original Thunderpush.
   *
   * @example
   * ```ts
   * import { Message } from "./message.ts";
   * Message.forChannel('{"x": 1}', "news").frame; // 'a[{"payload":"{\\"x\\": 1}","channel":"news"}]'
   * ```
   */
  static forChannel(payload: string, channel: string): Message {
    return new Message(
      '{"payload":' + asciiJson(payload) + ',"channel":' + asciiJson(channel) + "}",
    );
  }

  /** The message for a user push: `{"payload":"<body>"}`. */
  static forUser(payload: string): Message {
    return new Message('{"payload":' + asciiJson(payload) + "}");
  }
}
