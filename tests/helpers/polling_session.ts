/**
 * A SockJS session over xhr polling, driven with fetch: what a client without WebSockets sends.
 *
 * @module
 */

/** One xhr-polling session: poll for frames, send messages. */
export interface PollingSession {
  /** The session's URL (`base/connect/000/<id>`). */
  readonly url: string;
  /** One poll: the frame the server answers with. */
  xhr(): Promise<string>;
  /** Sends messages as one `xhr_send` (a JSON array); resolves with the status. */
  send(...messages: string[]): Promise<number>;
}

/** Opens nothing yet: the first `xhr()` opens the session on the server. */
export function pollingSession(base: string): PollingSession {
  const url = `${base}/connect/000/${crypto.randomUUID().slice(0, 8)}`;
  return {
    url,
    async xhr(): Promise<string> {
      return await (await fetch(`${url}/xhr`, { method: "POST" })).text();
    },
    async send(...messages: string[]): Promise<number> {
      // JSON.stringify escapes a lone surrogate (\ud800), which the server's JSON.parse restores.
      const res = await fetch(`${url}/xhr_send`, {
        method: "POST",
        body: JSON.stringify(messages),
      });
      await res.body?.cancel();
      return res.status;
    },
  };
}
