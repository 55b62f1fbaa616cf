/**
 * The presence webhooks' events, and the contract of a presence ledger: what turns local
 * presence changes into the events an application is told about.
 *
 * @module
 */

import type { App } from "../hub/hub.ts";

/** One event of a webhook's `events` list. */
export type WebhookEvent =
  | { readonly name: "user_online" | "user_offline"; readonly user: string }
  | { readonly name: "channel_occupied" | "channel_vacated"; readonly channel: string };

/** What a presence change is about: a user or a channel. */
export type PresenceKind = "user" | "channel";

/** The event of a presence change: `present` for an addition, else a removal. */
export function presenceEvent(kind: PresenceKind, key: string, present: boolean): WebhookEvent {
  if (kind === "user") return { name: present ? "user_online" : "user_offline", user: key };
  return { name: present ? "channel_occupied" : "channel_vacated", channel: key };
}

/** Hands an event of an application to its sender. */
export type Emit = (app: App, event: WebhookEvent) => void;

/**
 * Decides which local presence changes are events: additions at once when also the first
 * anywhere, removals after the grace period unless undone meanwhile.
 */
export interface PresenceLedger {
  /** A local presence change (synchronous: it is called from the hub). */
  change(app: App, kind: PresenceKind, key: string, present: boolean): void;
  /** Stops: emits (or leaves to other nodes) what is pending. Safe to call twice. */
  close(): Promise<void>;
}

/** What a ledger is made with. */
export interface LedgerContext {
  /** The applications that have a webhook. */
  readonly apps: readonly App[];
  /** Milliseconds a removal waits before it is an event. */
  readonly graceMs: number;
  /** Where the events go. */
  readonly emit: Emit;
}

/** Makes a ledger (the in-memory one for a single node, a Redis one for a cluster). */
export type LedgerFactory = (context: LedgerContext) => PresenceLedger;
