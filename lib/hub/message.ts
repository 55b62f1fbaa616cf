/**
 * Push messages, encoded once per publish and shared by every target connection.
 *
 * @module
 */

import { asciiJson } from "../json.ts";

/**
 * Where the pushes of a message stand in their channel's history (see `lib/history/`): all to
 * one channel, in one epoch, one offset per element.
 */
export interface MessagePositions {
  /** The channel. */
  readonly channel: string;
  /** The channel history's epoch. */
  readonly epoch: string;
  /** Each element's offset, in order. */
  readonly offsets: readonly number[];
}

/**
 * One push, or several pushes to the same target in a row, ready for the wire: `elements` are the
 * JSON objects a client receives, in order, and `frame` the SockJS frame `a[e1,e2,...]` carrying
 * them all, built on first use and then shared by every WebSocket session.
 */
export class Message {
  /** Each push as compact, ASCII-only JSON: `{"payload":"...","channel":"..."}`. */
  readonly elements: readonly string[];
  /** The history positions of channel pushes with history; undefined for all others. */
  readonly positions: MessagePositions | undefined;
  #frame: string | undefined;

  /** Wraps already encoded message elements (one or more, delivered in this order). */
  constructor(elements: string | readonly string[], positions?: MessagePositions) {
    this.elements = typeof elements === "string" ? [elements] : elements;
    this.positions = positions;
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
    if (messages.length === 1) return messages[0];
    return new Message(messages.flatMap((m) => m.elements), joinPositions(messages));
  }

  /**
   * The message for a channel push: `{"payload":"<body>","channel":"<name>"}`, key order as in
   * the original Thunderpush.
   *
   * @example
   * ```ts
   * import { Message, type MessagePositions, type Position } from "./message.ts";
   * Message.forChannel('{"x": 1}', "news").frame; // 'a[{"payload":"{\\"x\\": 1}","channel":"news"}]'
   * const at: Position = { offset: 7, epoch: "AbCd" };
   * const positions: MessagePositions | undefined = Message.forChannel("1", "news", at).positions;
   * positions?.offsets; // [7]
   * ```
   */
  static forChannel(payload: string, channel: string, position?: Position): Message {
    const head = '{"payload":' + asciiJson(payload) + ',"channel":' + asciiJson(channel);
    if (position === undefined) return new Message(head + "}");
    // With history: the push's offset and epoch after the original's two keys.
    const { offset, epoch } = position;
    return new Message(
      head + ',"offset":' + String(offset) + ',"epoch":' + asciiJson(epoch) + "}",
      { channel, epoch, offsets: [offset] },
    );
  }

  /** The message for a user push: `{"payload":"<body>"}`. */
  static forUser(payload: string): Message {
    return new Message('{"payload":' + asciiJson(payload) + "}");
  }
}

/** A push's place in its channel's history: its offset and the history's epoch. */
export interface Position {
  /** The offset. */
  readonly offset: number;
  /** The epoch. */
  readonly epoch: string;
}

/** The positions of joined messages: kept only when all are of one channel and one epoch. */
function joinPositions(messages: readonly Message[]): MessagePositions | undefined {
  const first = messages[0].positions;
  if (first === undefined) return undefined;
  for (const m of messages) {
    const p = m.positions;
    if (p === undefined || p.channel !== first.channel || p.epoch !== first.epoch) return undefined;
  }
  return { ...first, offsets: messages.flatMap((m) => m.positions!.offsets) };
}
