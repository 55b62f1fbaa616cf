/**
 * The Thunderpush client protocol: text commands a browser sends over its SockJS session.
 *
 * `CONNECT <user>:<publickey>`, `SUBSCRIBE <ch>[:<ch>...]`, `UNSUBSCRIBE <ch>[:<ch>...]`. No
 * acknowledgements; malformed commands are ignored, as in the original Thunderpush.
 *
 * @module
 */

/** A parsed client command. */
export type Command =
  | { readonly kind: "CONNECT"; readonly userId: string; readonly publicKey: string }
  | { readonly kind: "SUBSCRIBE" | "UNSUBSCRIBE"; readonly channels: string[] }
  | { readonly kind: "invalid"; readonly reason: string };

const CHANNEL = /^[A-Za-z0-9_\-=@,.;]{1,64}$/;

/** Whether a channel name can be subscribed to: 1-64 of `A-Z a-z 0-9 _ - = @ , . ;`. */
export function isValidChannel(name: string): boolean {
  return CHANNEL.test(name);
}

/**
 * Splits a message into command and argument at the first run of whitespace, the argument
 * trimmed. Both the 1.0.1 and the later form of the original are accepted.
 *
 * @example
 * ```ts
 * import { splitCommand } from "./commands.ts";
 * splitCommand("  CONNECT   my user:key "); // ["CONNECT", "my user:key"]
 * ```
 */
export function splitCommand(message: string): [string, string] {
  const text = message.trim();
  const match = /\s+/.exec(text);
  if (!match) return [text, ""];
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

/**
 * Parses one client message. Unknown commands, missing arguments and a CONNECT argument without
 * exactly one `:` come back as `invalid` with the reason to log.
 */
export function parseCommand(message: string): Command {
  const [name, argument] = splitCommand(message);
  if (name !== "CONNECT" && name !== "SUBSCRIBE" && name !== "UNSUBSCRIBE") {
    return { kind: "invalid", reason: "Received unknown command." };
  }
  if (argument === "") return { kind: "invalid", reason: "Missing argument." };
  if (name === "CONNECT") {
    const parts = argument.split(":");
    if (parts.length !== 2) return { kind: "invalid", reason: "Invalid message syntax." };
    return { kind: "CONNECT", userId: parts[0], publicKey: parts[1] };
  }
  return { kind: name, channels: argument.split(":").filter((ch) => ch !== "") };
}
