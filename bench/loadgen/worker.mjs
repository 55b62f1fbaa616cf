// One load-generator process: opens SockJS WebSocket sessions, sends CONNECT and SUBSCRIBE, and
// counts the pushes each publish brings. bench/loadgen/fleet.ts starts it and reads its lines.
//
// It speaks RFC 6455 itself over `node:net` (runs under Node and under Deno): a WebSocket client
// library costs more CPU per received frame than the server under test spends sending it, and on
// a 2-core machine the load generator must stay the cheaper side.
//
// Usage: node bench/loadgen/worker.mjs '<json WorkerConfig>'   (see fleet.ts)
//
// Every publish body carries a marker `#<seq>@<sent>#` (sent: the epoch time of its POST, in µs;
// `#<seq>#` is read too); the worker finds the markers in each frame's bytes (a frame may carry
// several messages, and npm sockjs frames carry them as JSON strings: the marker survives any
// escaping), and puts every delivery's latency (receive time - sent) in a histogram of its publish
// (histogram.mjs). Lines out, one JSON object each, on stdout:
//   {"t":"ready","open":N,"failed":F,"ms":T}      every session got `o` and sent its commands
//   {"t":"done","seq":S,"last":EPOCH_MS}          every expected client of this worker got seq S
//   {"t":"stats",...}                             on "stats": totals, per node, per-seq counts and times
//   {"t":"lat","count":N,"maxUs":M,"buckets":[[i,n],...]}   on "lat A B": the deliveries of
//                                                 publishes A..B-1, merged (buckets with n > 0)
// Lines in, on stdin: "stats", "lat A B", "quit". Stdin closing, or the deadline passing, ends the
// worker.

import net from "node:net";
import process from "node:process";
import { Buffer } from "node:buffer";
import { bucketOf, BUCKETS } from "./histogram.mjs";

/**
 * @typedef {object} WorkerConfig
 * @property {string} host        server address
 * @property {number} port        server port
 * @property {number[]} [ports]   several servers (a cluster): client g connects to
 *                                ports[g % ports.length] and its deliveries count for that node
 * @property {number} start       global index of the first client
 * @property {number} count       clients in this worker
 * @property {string} key         public key for CONNECT
 * @property {number} channels    number of channels (names ch0..ch<n-1>)
 * @property {number} perClient   channels each client subscribes to
 * @property {number} maxSeq      highest publish sequence number + 1
 * @property {number} concurrency handshakes in flight
 * @property {number} deadlineMs  the worker exits by itself after this many ms
 */

/** @type {WorkerConfig} */
const config = JSON.parse(process.argv[2]);

const now = () => performance.timeOrigin + performance.now();

/** The channels of global client `g`: perClient consecutive channels, spread by g. */
function channelsOf(g) {
  const list = [];
  for (let k = 0; k < config.perClient; k++) {
    list.push((g * config.perClient + k) % config.channels);
  }
  return list;
}

// expected[c] = how many of this worker's clients are in channel c; publish seq goes to channel
// seq % channels.
const expected = new Int32Array(config.channels);
for (let i = 0; i < config.count; i++) {
  for (const c of channelsOf(config.start + i)) expected[c]++;
}
const countBySeq = new Int32Array(config.maxSeq);
const lastBySeq = new Float64Array(config.maxSeq);
let received = 0;
const nodePorts = config.ports && config.ports.length > 0 ? config.ports : [config.port];
// Deliveries per server node (one entry unless the clients are spread over a cluster).
const receivedByNode = new Array(nodePorts.length).fill(0);
// Per publish: a latency histogram of its deliveries (made at its first), and the largest one.
const histBySeq = new Array(config.maxSeq).fill(null);
const maxUsBySeq = new Float64Array(config.maxSeq);
let frames = 0;
let closed = 0;
let open = 0;
let failed = 0;
const sockets = [];

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

const HASH = 35; // '#'
const AT = 64; // '@'

/** Records one delivery of publish `seq`, sent at `sentUs` (epoch µs), received at `t` (ms). */
function recordLatency(seq, sentUs, t) {
  const us = Math.max(0, t * 1000 - sentUs);
  const hist = histBySeq[seq] ?? (histBySeq[seq] = new Uint32Array(BUCKETS));
  hist[bucketOf(us)]++;
  if (us > maxUsBySeq[seq]) maxUsBySeq[seq] = us;
}

/** The latencies of publishes `from` to `to - 1`, merged. */
function latencies(from, to) {
  const merged = new Float64Array(BUCKETS);
  let count = 0;
  let maxUs = 0;
  for (let seq = Math.max(0, from); seq < Math.min(to, config.maxSeq); seq++) {
    const hist = histBySeq[seq];
    if (!hist) continue;
    for (let i = 0; i < BUCKETS; i++) merged[i] += hist[i];
    maxUs = Math.max(maxUs, maxUsBySeq[seq]);
  }
  const buckets = [];
  for (let i = 0; i < BUCKETS; i++) {
    if (merged[i] > 0) {
      buckets.push([i, merged[i]]);
      count += merged[i];
    }
  }
  return { t: "lat", count, maxUs, buckets };
}

/** Counts the `#<seq>@<sent>#` (or `#<seq>#`) markers of one `a[...]` frame payload. */
function onPush(buf, start, end, node) {
  frames++;
  const t = now();
  let i = buf.indexOf(HASH, start);
  while (i >= 0 && i < end) {
    let j = i + 1;
    let seq = 0;
    while (j < end && buf[j] >= 48 && buf[j] <= 57) seq = seq * 10 + buf[j++] - 48;
    const digits = j > i + 1;
    let sentUs = -1;
    if (digits && j < end && buf[j] === AT) {
      sentUs = 0;
      while (++j < end && buf[j] >= 48 && buf[j] <= 57) sentUs = sentUs * 10 + buf[j] - 48;
    }
    if (j < end && buf[j] === HASH && digits) {
      if (seq < config.maxSeq) {
        if (sentUs >= 0) recordLatency(seq, sentUs, t);
        received++;
        receivedByNode[node]++;
        lastBySeq[seq] = t;
        if (++countBySeq[seq] === expected[seq % config.channels]) {
          emit({ t: "done", seq, last: t });
        }
      }
      i = buf.indexOf(HASH, j + 1);
    } else {
      i = buf.indexOf(HASH, j);
    }
  }
}

/** A client frame: FIN + text, masked with a zero key (valid, and the payload stays as is). */
function textFrame(text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n, 0, 0, 0, 0]) : Buffer.from([
    0x81,
    0x80 | 126,
    n >> 8,
    n & 255,
    0,
    0,
    0,
    0,
  ]);
  return Buffer.concat([head, payload]);
}

const CLOSE_FRAME = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]);

function openOne(i) {
  return new Promise((resolve) => {
    const g = config.start + i;
    const server = String(g % 1000).padStart(3, "0");
    const node = g % nodePorts.length;
    const port = nodePorts[node];
    const socket = net.connect({ host: config.host, port, noDelay: true });
    sockets.push(socket);
    let state = 0; // 0 handshake, 1 waiting for `o`, 2 open, 3 gone
    let pending = null; // bytes of an incomplete frame
    const finish = (ok) => {
      if (state >= 2) return;
      if (ok) {
        open++;
        state = 2;
      } else {
        failed++;
        state = 3;
      }
      resolve();
    };
    socket.on("connect", () => {
      socket.write(
        `GET /connect/${server}/b${g}/websocket HTTP/1.1\r\nHost: ${config.host}:${port}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    const onFrame = (op, buf, start, end) => {
      if (op === 8) {
        socket.end();
        return;
      }
      if (op === 9) {
        const pong = Buffer.concat([
          Buffer.from([0x8a, 0x80 | (end - start), 0, 0, 0, 0]),
          buf.subarray(start, end),
        ]);
        socket.write(pong);
        return;
      }
      if (op !== 1 && op !== 0) return;
      if (state === 1) {
        if (end - start === 1 && buf[start] === 111) { // "o"
          const channels = channelsOf(g).map((c) => `ch${c}`).join(":");
          socket.write(textFrame(JSON.stringify([`CONNECT u${g}:${config.key}`])));
          socket.write(textFrame(JSON.stringify([`SUBSCRIBE ${channels}`])));
          finish(true);
        }
        return;
      }
      if (buf[start] === 97) onPush(buf, start, end, node); // "a[...]"
    };
    socket.on("data", (chunk) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let off = 0;
      if (state === 0) {
        const endOfHead = buf.indexOf("\r\n\r\n");
        if (endOfHead < 0) {
          pending = buf;
          return;
        }
        if (!buf.subarray(0, 13).toString("latin1").startsWith("HTTP/1.1 101")) {
          socket.destroy();
          return;
        }
        state = 1;
        off = endOfHead + 4;
      }
      while (off + 2 <= buf.length) {
        const b0 = buf[off];
        let len = buf[off + 1] & 127;
        let head = 2;
        if (len === 126) {
          if (off + 4 > buf.length) break;
          len = buf.readUInt16BE(off + 2);
          head = 4;
        } else if (len === 127) {
          if (off + 10 > buf.length) break;
          len = Number(buf.readBigUInt64BE(off + 2));
          head = 10;
        }
        if (off + head + len > buf.length) break;
        onFrame(b0 & 15, buf, off + head, off + head + len);
        off += head + len;
      }
      if (off < buf.length) pending = buf.subarray(off);
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (state === 2) closed++;
      finish(false);
      state = 3;
    });
  });
}

async function connectAll() {
  const started = now();
  let next = 0;
  const lane = async () => {
    while (next < config.count) await openOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, config.count) }, lane));
  emit({ t: "ready", open, failed, ms: Math.round(now() - started) });
}

let quitting = false;
function quit() {
  if (quitting) return;
  quitting = true;
  for (const socket of sockets) {
    if (!socket.destroyed) socket.end(CLOSE_FRAME);
  }
  // Leave a moment for the close frames, then go regardless.
  setTimeout(() => process.exit(0), 300);
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (line === "stats") {
      emit({
        t: "stats",
        received,
        frames,
        closed,
        receivedByNode,
        countBySeq: Array.from(countBySeq),
        lastBySeq: Array.from(lastBySeq),
      });
    } else if (line.startsWith("lat ")) {
      const [, from, to] = line.split(" ").map(Number);
      emit(latencies(from, to));
    } else if (line === "quit") quit();
  }
});
process.stdin.on("end", quit);
setTimeout(() => {
  process.stderr.write("loadgen worker: deadline reached, exiting\n");
  process.exit(3);
}, config.deadlineMs);

connectAll();
