/**
 * The Prometheus project's own text-format parser (Debian's python3-prometheus-client), for
 * checking `/metrics`.
 *
 * @module
 */

const PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        key = s.name + json.dumps(s.labels, sort_keys=True) if s.labels else s.name
        out[key] = s.value
print(json.dumps(out))
`;

/** Parses an exposition with prometheus_client's parser: sample name + labels -> value. */
export async function parsePrometheus(text: string): Promise<Record<string, number>> {
  // Debian's Python, where Debian's python3-prometheus-client is installed.
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", PARSER],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
