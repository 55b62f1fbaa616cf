/**
 * The hub's invariants, checked after fuzzing and churn: every registered connection is open,
 * no channel or user is kept without connections, and the indexes agree with each other.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Hub } from "../../lib/hub/hub.ts";

/** Throws when the hub breaks one of its invariants. */
export function assertHubInvariants(hub: Hub): void {
  for (const app of hub.apps()) {
    let fromUsers = 0;
    for (const user of app.users()) {
      const conns = app.connectionsOf(user);
      assert.ok(conns.size > 0, `user ${JSON.stringify(user)} is kept without connections`);
      fromUsers += conns.size;
    }
    assert.equal(fromUsers, app.connectionCount, "user index and connection count differ");
    for (const conn of app.connections()) {
      assert.ok(conn.isOpen !== false, `a closed connection of ${conn.userId} is registered`);
      assert.ok(app.connectionsOf(conn.userId).has(conn), "connection missing from its user");
      for (const channel of app.subscriptionsOf(conn)) {
        assert.ok(app.channelUsers(channel).includes(conn.userId), "subscription not indexed");
      }
    }
    for (const channel of app.channels()) {
      assert.ok(app.channelSize(channel) > 0, `channel ${channel} is kept without subscribers`);
    }
  }
}

/** Throws unless the hub holds nothing at all. */
export function assertHubEmpty(hub: Hub): void {
  for (const app of hub.apps()) {
    assert.deepEqual(
      { users: app.userCount, connections: app.connectionCount, channels: app.channelCount },
      { users: 0, connections: 0, channels: 0 },
      `application ${app.publicKey} is not empty`,
    );
  }
}
