/**
 * A real HTTP receiver of webhooks for tests (`Deno.serve` on a free port): it keeps every
 * request it gets, and answers as the test says (200 by default).
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";

/** One request the receiver got. */
export interface Received {
  /** The request's headers. */
  readonly headers: Headers;
  /** The raw body. */
  readonly body: string;
  /** When it came (`Date.now()`). */
  readonly at: number;
}

/** What the receiver answers the `n`th request (from 0) with. */
export type Respond = (n: number) => Response | Promise<Response>;

/** A running receiver. */
export interface Receiver {
  /** `http://127.0.0.1:PORT/hooks`. */
  readonly url: string;
  /** Every request so far. */
  readonly requests: Received[];
  /** The events of the answered (2xx) requests, in order, as `name:user` or `name:channel`. */
  events(): string[];
  /** Who is online and which channels are occupied, from the events alone. */
  presence(): { users: string[]; channels: string[] };
  /** Changes the answers from now on. */
  respond(respond: Respond): void;
  /** Stops the receiver (requests still held are answered 503 first). */
  close(): Promise<void>;
}

/** Starts a receiver. */
export function startReceiver(respond: Respond = () => new Response("ok")): Receiver {
  const requests: Received[] = [];
  const accepted: string[] = [];
  let answer = respond;
  const held = new Set<() => void>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.text();
    const n = requests.length;
    requests.push({ headers: req.headers, body, at: Date.now() });
    const { promise: released, resolve } = Promise.withResolvers<Response>();
    const release = () => resolve(new Response("stopping", { status: 503 }));
    held.add(release);
    const res = await Promise.race([answer(n), released]);
    held.delete(release);
    if (res.ok) {
      for (const e of JSON.parse(body).events) accepted.push(`${e.name}:${e.user ?? e.channel}`);
    }
    return res;
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hooks`,
    requests,
    events: () => [...accepted],
    presence() {
      const record = new Set<string>();
      for (const event of accepted) {
        const [name, key] = [
          event.slice(0, event.indexOf(":")),
          event.slice(event.indexOf(":") + 1),
        ];
        const item = `${name.startsWith("user") ? "u" : "c"}:${key}`;
        if (name === "user_online" || name === "channel_occupied") record.add(item);
        else record.delete(item);
      }
      const of = (k: string) => [...record].filter((i) => i[0] === k).map((i) => i.slice(2)).sort();
      return { users: of("u"), channels: of("c") };
    },
    respond(next) {
      answer = next;
    },
    async close() {
      for (const release of held) release();
      await server.shutdown();
    },
  };
}

/**
 * Whether `signature` is the hex HMAC-SHA256 of `body` with `secret`, checked as docs/webhooks.md
 * tells a Node receiver to (constant-time compare).
 */
export function verifySignature(body: string, signature: string, secret: string): boolean {
  const expected = createHmac("sha256", secret).update(body).digest("hex");
  return signature.length === expected.length &&
    timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

/** A response that never comes, until the receiver closes. */
export function never(): Promise<Response> {
  return new Promise(() => {});
}
