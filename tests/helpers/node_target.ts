/**
 * The npm package under test: a fresh build of `npm/` (built once, rebuilt when a source is newer
 * than it), and the shared suite's target that runs its `bin` with Node.
 *
 * @module
 */

import { buildNpm } from "../../build_npm.ts";
import { cliTarget, type StartTarget, type Target, type TargetOptions } from "./target.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The npm package folder. */
export const NPM_DIR = `${ROOT}/npm`;
/** The command's script in the npm package. */
export const NPM_BIN = `${NPM_DIR}/bin/thunderpush.js`;

async function newestSource(): Promise<number> {
  let newest = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await Deno.stat(path).catch(() => null);
    if (!info) return;
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(path)) await visit(`${path}/${entry.name}`);
    } else {
      newest = Math.max(newest, info.mtime?.getTime() ?? 0);
    }
  };
  for (
    const path of [
      "mod.ts",
      "node.ts",
      "lib",
      "client",
      "build_npm.ts",
      "deno.json",
      "package.json",
      "README.md",
      "LICENSE",
    ]
  ) {
    await visit(`${ROOT}/${path}`);
  }
  return newest;
}

let building: Promise<void> | undefined;

/** Builds `npm/` unless a build newer than every source is there already. */
export function ensureNpmBuild(): Promise<void> {
  return building ??= (async () => {
    const built = await Deno.stat(`${NPM_DIR}/package.json`).catch(() => null);
    if (built?.mtime && built.mtime.getTime() > await newestSource()) return;
    await buildNpm();
  })();
}

/** The npm build's CLI run by Node as a subprocess. */
export const nodeBuild: StartTarget = async (options: TargetOptions = {}): Promise<Target> => {
  await ensureNpmBuild();
  return await cliTarget("node", options);
};
