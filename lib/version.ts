/**
 * The version of Thunderpush for Deno (kept equal to `deno.json` by a test).
 *
 * @module
 */

/** The package version, printed by `thunderpush -V`. */
export const VERSION = "0.1.0";
