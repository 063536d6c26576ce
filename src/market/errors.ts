/**
 * Typed errors of the market roles. Messages are one line, name the parameter or the request at
 * fault, and say what to do; contract reverts are decoded into their custom error with arguments
 * ("Market__DeadlinePassed(requestId=3, deadline=1700000000)").
 */
import { Interface, type ErrorDescription } from "ethers";

import { marketInterface, registryInterface } from "../chain/index.js";

export type MarketErrorCode =
  | "BAD_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_SETTLED"
  | "DEADLINE_PASSED"
  | "NOT_SETTLED"
  | "INPUT_MISMATCH"
  | "PROOF_REJECTED"
  | "TX_REVERTED"
  | "TIMEOUT"
  | "STOPPED";

export class MarketError extends Error {
  override readonly name = "MarketError";
  constructor(
    readonly code: MarketErrorCode,
    message: string,
    readonly parameter?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function badArgument(parameter: string, problem: string): MarketError {
  return new MarketError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}

let ifaces: Interface[] | undefined;

/** Finds the revert data of an ethers error (it nests differently per provider). */
function revertData(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const x = e as { data?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
    if (typeof x.data === "string" && x.data.startsWith("0x") && x.data.length >= 10) return x.data;
    if (x.data && typeof x.data === "object" && typeof (x.data as { data?: unknown }).data === "string") {
      return (x.data as { data: string }).data;
    }
    e = x.error ?? x.info?.error ?? x.cause;
  }
  return undefined;
}

/** The market or registry custom error in `err`, if any. */
export function decodeRevert(err: unknown): ErrorDescription | null {
  const data = revertData(err);
  if (!data) {
    const r = (err as { revert?: { name?: string; args?: unknown[] } }).revert;
    return r?.name ? ({ name: r.name, args: r.args ?? [] } as unknown as ErrorDescription) : null;
  }
  ifaces ??= [marketInterface(), registryInterface()];
  for (const i of ifaces) {
    try {
      const d = i.parseError(data);
      if (d) return d;
    } catch {
      // not this interface
    }
  }
  return null;
}

/** "Market__DeadlinePassed(requestId=3, deadline=1700000000)" or the error's first line. */
export function describeRevert(err: unknown): string {
  const d = decodeRevert(err);
  if (d) {
    const names = d.fragment?.inputs?.map((i) => i.name) ?? [];
    const args = [...(d.args as unknown as unknown[])].map((a, i) => `${names[i] ? names[i] + "=" : ""}${String(a)}`);
    return `${d.name}(${args.join(", ")})`;
  }
  const e = err as { shortMessage?: string; message?: string };
  return (e.shortMessage ?? e.message ?? String(err)).split("\n")[0] ?? String(err);
}

/** Wraps a failed transaction into a MarketError TX_REVERTED with the decoded reason. */
export function txError(what: string, err: unknown): MarketError {
  if (err instanceof MarketError) return err;
  const d = decodeRevert(err);
  const code: MarketErrorCode =
    d?.name === "Market__RequestNotOpen"
      ? "ALREADY_SETTLED"
      : d?.name === "Market__DeadlinePassed"
        ? "DEADLINE_PASSED"
        : d?.name === "Market__InvalidProof"
          ? "PROOF_REJECTED"
          : "TX_REVERTED";
  return new MarketError(code, `${what} failed: ${describeRevert(err)}`, undefined, { cause: err });
}
