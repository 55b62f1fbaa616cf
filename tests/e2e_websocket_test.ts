/**
 * The shared WebSocket suite against Thunderpush served in-process by `Deno.serve`, and against
 * the Deno CLI started as a subprocess, with its default server and with `--server node`.
 */

import { defineWebsocketSuite } from "./e2e/websocket_suite.ts";
import { denoCli, denoCliNodeServer, inProcess } from "./helpers/target.ts";

defineWebsocketSuite("deno in-process", inProcess);
defineWebsocketSuite("deno cli", denoCli);
defineWebsocketSuite("deno cli --server node", denoCliNodeServer);
