/**
 * The Thunderpush client protocol: `CONNECT <user>:<publickey>[:<token>]`, `SUBSCRIBE` and
 * `UNSUBSCRIBE <ch>[:<ch>...]`, `RECOVER <ch> <epoch> <offset>`. No acknowledgements; malformed
 * commands are ignored, as in the original Thunderpush.
 *
 * @example
 * ```ts
 * import {
 *   type Command,
 *   isValidChannel,
 *   isValidUserId,
 *   parseCommand,
 *   splitCommand,
 * } from "./commands.ts";
 * const command: Command = parseCommand("RECOVER news AbCdEfGh 12");
 * command; // { kind: "RECOVER", channel: "news", epoch: "AbCdEfGh", offset: 12 }
 * parseCommand("RECOVER news AbCdEfGh -1").kind; // "invalid"
 * splitCommand("  CONNECT   my user:key "); // ["CONNECT", "my user:key"]
 * isValidChannel("news"); // true
 * isValidChannel(".."); // false
 * isValidUserId("alice@example.com", 256); // true
 * isValidUserId("", 256); // false
 * isValidUserId("q\ud800", 256); // false
 * ```
 *
 * @module
 */

/** A parsed client command. */
export type Command =
  | {
    readonly kind: "CONNECT";
    readonly userId: string;
    readonly publicKey: string;
    /** What follows a second `:` (a user token), absent with a single `:`. */
    readonly token?: string;
  }
  | { readonly kind: "SUBSCRIBE" | "UNSUBSCRIBE"; readonly channels: string[] }
  | {
    readonly kind: "RECOVER";
    readonly channel: string;
    readonly epoch: string;
    readonly offset: number;
  }
  | { readonly kind: "invalid"; readonly reason: string };

const CHANNEL = /^[A-Za-z0-9_\-=@,.;]{1,64}$/;

/**
 * Whether a channel name can be subscribed to: 1-64 of `A-Z a-z 0-9 _ - = @ , . ;`, but not `.`
 * or `..`, which the HTTP API can never name (URL parsers remove them from a path, `%2E` too).
 */
export function isValidChannel(name: string): boolean {
  return CHANNEL.test(name) && name !== "." && name !== "..";
}

/** Holds a lone surrogate (with the `u` flag, a pair is one code point, not in `Cs`). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether CONNECT may register a user id: at most `maxLength` UTF-16 code units (JavaScript's
 * `length`), and one the HTTP API can name in `/users/{user}/`, so not empty, not `.` or `..`
 * (URL parsers remove them from a path) and without a lone surrogate (a path is UTF-8, which has
 * none). Any other string goes, `/` and control characters too (percent-encoded in the path).
 */
export function isValidUserId(id: string, maxLength: number): boolean {
  return id.length > 0 && id.length <= maxLength && id !== "." && id !== ".." &&
    !LONE_SURROGATE.test(id);
}

/**
 * Splits a message into command and argument at the first run of whitespace, the argument
 * trimmed. Both the 1.0.1 and the later form of the original are accepted.
 */
export function splitCommand(message: string): [string, string] {
  const text = message.trim();
  const match = /\s+/.exec(text);
  if (!match) return [text, ""];
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

/**
 * Parses one client message; what cannot be parsed comes back as `invalid` with the reason to log.
 * What follows a second `:` of CONNECT is its `token`.
 */
export function parseCommand(message: string): Command {
  const [name, argument] = splitCommand(message);
  if (
    name !== "CONNECT" && name !== "SUBSCRIBE" && name !== "UNSUBSCRIBE" && name !== "RECOVER"
  ) {
    return { kind: "invalid", reason: "Received unknown command." };
  }
  if (argument === "") return { kind: "invalid", reason: "Missing argument." };
  if (name === "RECOVER") return parseRecover(argument);
  if (name === "CONNECT") {
    const parts = argument.split(":");
    if (parts.length < 2) return { kind: "invalid", reason: "Invalid message syntax." };
    const [userId, publicKey] = parts as [string, string];
    if (parts.length === 2) return { kind: "CONNECT", userId, publicKey };
    return { kind: "CONNECT", userId, publicKey, token: parts.slice(2).join(":") };
  }
  return { kind: name, channels: argument.split(":").filter((ch) => ch !== "") };
}

/** An offset as a client writes it: decimal digits, exact in a JavaScript number. */
const OFFSET = /^(0|[1-9][0-9]{0,15})$/;
/** An epoch as the server makes them (letters), or any other word a client may send. */
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Parses RECOVER's argument, `<channel> <epoch> <offset>`: a valid channel, a word, and a whole
 * number from 0 to 2^53-1 (beyond that, JavaScript numbers are not exact).
 */
function parseRecover(argument: string): Command {
  const parts = argument.split(/\s+/);
  if (parts.length !== 3) return { kind: "invalid", reason: "Invalid message syntax." };
  const [channel, epoch, text] = parts;
  if (!isValidChannel(channel) || !EPOCH.test(epoch) || !OFFSET.test(text)) {
    return { kind: "invalid", reason: "Invalid RECOVER argument." };
  }
  const offset = Number(text);
  if (!Number.isSafeInteger(offset)) return { kind: "invalid", reason: "Offset too large." };
  return { kind: "RECOVER", channel, epoch, offset };
}
