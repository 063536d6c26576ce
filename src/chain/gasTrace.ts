/**
 * Where a transaction's gas goes, from the node's opcode trace (`debug_traceTransaction`, struct
 * logger): the intrinsic cost (21,000 + calldata; no access list), then per contract the cold and
 * warm storage reads, the storage writes, the events, the calls (what the caller pays: account
 * access and memory; the gas forwarded and not used comes back) and the precompiles (BN254 ecAdd
 * 0x06, ecMul 0x07, pairing 0x08). Every step is counted exactly once: intrinsic + Σ parts −
 * refund = gasUsed, and the paths traced here clear no slot (no refund), which the caller asserts.
 */
import type { JsonRpcProvider } from "ethers";

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

export interface GasPart {
  /** The contract that spent it (its label, else its address). */
  where: string;
  /** What: "cold storage read", "pairing", "call to verifier (account access, memory)", … */
  what: string;
  /** How many operations of this kind. */
  count: number;
  gas: number;
}

export interface GasBreakdown {
  gasUsed: number;
  intrinsic: number;
  calldataBytes: number;
  parts: GasPart[];
  /** Σ parts: the gas of execution (gasUsed = intrinsic + executed − refund). */
  executed: number;
}

const PRECOMPILES: Record<string, string> = {
  ["0x" + "6".padStart(40, "0")]: "ecAdd",
  ["0x" + "7".padStart(40, "0")]: "ecMul",
  ["0x" + "8".padStart(40, "0")]: "pairing",
};
const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/**
 * Traces `txHash` and groups its gas. `labels` maps lower-case addresses to names; other addresses
 * are shown as they are.
 */
export async function traceGas(
  provider: JsonRpcProvider | { send(method: string, params: unknown[]): Promise<unknown> },
  txHash: string,
  labels: Record<string, string>,
): Promise<GasBreakdown> {
  const tx = (await provider.send("eth_getTransactionByHash", [txHash])) as { input: string; to: string };
  const receipt = (await provider.send("eth_getTransactionReceipt", [txHash])) as { gasUsed: string };
  const trace = (await provider.send("debug_traceTransaction", [
    txHash,
    { disableStorage: true, disableMemory: true, disableStack: false },
  ])) as { structLogs: StructLog[]; gas: number };
  const logs = trace.structLogs;
  const gasUsed = Number(receipt.gasUsed);
  const data = Buffer.from(tx.input.slice(2), "hex");
  const intrinsic = 21_000 + [...data].reduce((s, b) => s + (b === 0 ? 4 : 16), 0);

  const name = (addr: string) => labels[addr.toLowerCase()] ?? addr;
  const frames: string[] = [name(tx.to)];
  const acc = new Map<string, GasPart>();
  const add = (where: string, what: string, gas: number) => {
    const key = `${where}\u0000${what}`;
    const p = acc.get(key) ?? { where, what, count: 0, gas: 0 };
    p.count += 1;
    p.gas += gas;
    acc.set(key, p);
  };

  for (let i = 0; i < logs.length; i++) {
    const l = logs[i] as StructLog;
    frames.length = l.depth;
    const here = frames[l.depth - 1] as string;
    if (CALLS.has(l.op)) {
      const word = BigInt(l.stack?.[l.stack.length - 2] ?? "0");
      const target = "0x" + (word & ((1n << 160n) - 1n)).toString(16).padStart(40, "0");
      let j = i + 1;
      while (j < logs.length && (logs[j] as StructLog).depth > l.depth) j++;
      const after = j < logs.length ? (logs[j] as StructLog).gas : l.gas - l.gasCost;
      const inclusive = l.gas - after;
      const precompile = PRECOMPILES[target];
      if (j === i + 1) {
        // No steps inside: a precompile (or a call to an account without code).
        add(here, precompile ? precompile : `call to ${name(target)} (no code)`, inclusive);
        continue;
      }
      const first = logs[i + 1] as StructLog;
      const last = logs[j - 1] as StructLog;
      const inner = first.gas - (last.gas - last.gasCost);
      add(here, `call to ${name(target)} (account access, memory)`, inclusive - inner);
      frames[l.depth] = name(target);
      continue;
    }
    const what =
      l.op === "SLOAD"
        ? l.gasCost >= 2_100
          ? "cold storage read"
          : "warm storage read"
        : l.op === "SSTORE"
          ? "storage write"
          : l.op.startsWith("LOG")
            ? "event"
            : "computation, memory, calldata reads";
    add(here, what, l.gasCost);
  }

  const parts = [...acc.values()];
  const executed = parts.reduce((s, p) => s + p.gas, 0);
  return { gasUsed, intrinsic, calldataBytes: data.length, parts, executed };
}

/** Sum of the parts matching `where` (and `what`, when given). */
export function sumParts(b: GasBreakdown, where: string, what?: string | RegExp): number {
  return b.parts
    .filter(
      (p) =>
        p.where === where && (what === undefined || (typeof what === "string" ? p.what === what : what.test(p.what))),
    )
    .reduce((s, p) => s + p.gas, 0);
}
