/**
 * The shared WebSocket suite against the npm build, run by Node as a subprocess
 * (`node npm/bin/thunderpush.js`).
 */

import { defineWebsocketSuite } from "./e2e/websocket_suite.ts";
import { nodeBuild } from "./helpers/node_target.ts";

defineWebsocketSuite("node build", nodeBuild);
