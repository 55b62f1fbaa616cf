/**
 * Push messages, encoded once per publish and shared by every target connection.
 *
 * @module
 */

import { asciiJson } from "../sockjs/frames.ts";

/**
 * One push, ready for the wire: `element` is the JSON object a client receives, and `frame` the
 * SockJS frame `a[element]`, built on first use and then shared by every WebSocket session.
 */
export class Message {
  /** The message as compact, ASCII-only JSON: `{"payload":"...","channel":"..."}`. */
  readonly element: string;
  #frame: string | undefined;

  /** Wraps an already encoded message element. */
  constructor(element: string) {
    this.element = element;
  }

  /** The SockJS frame carrying just this message. */
  get frame(): string {
    return this.#frame ??= "a[" + this.element + "]";
  }

  /**
   * The message for a channel push: `{"payload":"<body>","channel":"<name>"}`, key order as in
   * the original Thunderpush.
   *
   * @example
   * ```ts
   * import { Message } from "./message.ts";
   * Message.forChannel('{"x": 1}', "news").element; // '{"payload":"{\\"x\\": 1}","channel":"news"}'
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
