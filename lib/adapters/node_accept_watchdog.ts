/**
 * Keeps a `node:net` listener accepting inside Deno, whose `node:net` stops accepting for good at
 * the first connection it cannot accept: a probe connects once a second, and the server listens
 * again when it did not see the probe (docs/architecture.md, "Accepting again").
 *
 * @module
 */

import { connect, type ListenOptions, type Server, type Socket } from "node:net";

/** Milliseconds between probes, and how long a probe waits for the server to accept it. */
const PERIOD = 1_000;

/** The address a probe connects to: loopback for a wildcard address. */
function probeHost(address: string): string {
  return address === "::" ? "::1" : address === "0.0.0.0" ? "127.0.0.1" : address;
}

/**
 * Probes `server`, bound at `address`:`port` with `listen`, every second, and listens again when
 * it has stopped accepting; `onError` is told each time. Returns the function that stops it.
 */
export function watchAccepts(
  server: Server,
  listen: ListenOptions,
  address: string,
  port: number,
  onError: (error: unknown) => void,
): () => void {
  const host = probeHost(address);
  let probing = false;
  let stopped = false;
  const probe = () => {
    if (probing || stopped) return;
    // Listening again failed (e.g. still out of descriptors): try again.
    if (!server.listening) return void server.listen(listen);
    probing = true;
    const seen: (number | undefined)[] = []; // the ports of the connections accepted meanwhile
    let timer: ReturnType<typeof setTimeout> | undefined;
    const socket: Socket = connect({ port, host });
    const onConnection = (accepted: Socket) => void seen.push(accepted.remotePort);
    const done = () => {
      clearTimeout(timer);
      server.off("connection", onConnection);
      socket.destroy();
      probing = false;
    };
    server.on("connection", onConnection);
    socket.on("error", done); // e.g. no descriptor for the probe: try again later
    socket.on("connect", () => {
      timer = setTimeout(() => {
        const accepted = seen.includes(socket.localPort);
        done();
        if (accepted || stopped) return;
        onError(new Error("Stopped accepting connections, listening again"));
        server.close(); // the listener only: open connections stay
        server.listen(listen);
      }, PERIOD);
    });
  };
  const interval = setInterval(probe, PERIOD);
  interval.unref();
  return () => {
    stopped = true;
    clearInterval(interval);
  };
}
