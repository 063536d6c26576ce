import { readFile } from "node:fs/promises";

/** Signal names of a compiled circuit (.sym: labelId,wire,componentId,name). Eliminated signals (wire −1) are absent. */
export interface SymMap {
  /** name → wire index. */
  wire(name: string): number | undefined;
  /** Wire of `name`, or a thrown error naming it. */
  mustWire(name: string): number;
  /** Every (name, wire) whose name starts with `prefix`. */
  withPrefix(prefix: string): [string, number][];
  names: Map<string, number>;
}

export async function readSym(file: string): Promise<SymMap> {
  const names = new Map<string, number>();
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (!line) continue;
    const a = line.indexOf(",");
    const b = line.indexOf(",", a + 1);
    const c = line.indexOf(",", b + 1);
    const wire = Number(line.slice(a + 1, b));
    if (wire >= 0) names.set(line.slice(c + 1), wire);
  }
  return {
    names,
    wire: (name) => names.get(name),
    mustWire(name) {
      const w = names.get(name);
      if (w === undefined) throw new Error(`signal ${name} is not a wire of this circuit`);
      return w;
    },
    withPrefix: (prefix) => [...names].filter(([n]) => n.startsWith(prefix)),
  };
}
