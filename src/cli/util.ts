/** bigints → decimal strings, for JSON output. */
export function jsonSafeForCli(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(jsonSafeForCli);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafeForCli(x)]));
  return v;
}
