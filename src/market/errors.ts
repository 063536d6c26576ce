/**
 * Typed errors of the market roles (inference, accuracy, retrieval). Messages are one line, name
 * the parameter or the request at fault, and say what to do; a contract revert is decoded into its
 * custom error and explained in a sentence with amounts in ETH (see revertReasons.ts), the raw
 * form kept after it for reference ("… [Market__BountyTooSmall(amount=…, required=…)]").
 */
import type { ErrorDescription, Interface } from "ethers";

import { stackInterfaces } from "../chain/index.js";
import { StageError } from "../util/errors.js";
import { formatEth } from "../util/format.js";
import { explainCustomError } from "./revertReasons.js";

export type MarketErrorCode =
  /** A bad argument (the message names the parameter). */
  | "BAD_ARGUMENT"
  /** No such market, model, request, data set or local secret. */
  | "NOT_FOUND"
  | "ALREADY_SETTLED"
  /** The request or challenge is not in the state the action needs. */
  | "WRONG_STATUS"
  /** Too late for this action. */
  | "DEADLINE_PASSED"
  /** Too early for this action (e.g. settling before a deadline). */
  | "TOO_EARLY"
  | "NOT_SETTLED"
  | "INPUT_MISMATCH"
  /** A proof was refused on chain, or no valid proof exists (a wrong answer). */
  | "PROOF_REJECTED"
  /** A data set does not match its on-chain commitment. */
  | "DATASET_MISMATCH"
  /** The signer's balance cannot pay for the transaction (value + gas). */
  | "INSUFFICIENT_FUNDS"
  /** The model's circuit is not approved by the registry owner. */
  | "NOT_APPROVED"
  | "TX_REVERTED"
  | "TIMEOUT"
  | "STOPPED";

export class MarketError extends StageError<MarketErrorCode> {
  override readonly name = "MarketError";
  /** The parameter at fault, when there is one. */
  get parameter(): string | undefined {
    return this.at;
  }
}

export function badArgument(parameter: string, problem: string): MarketError {
  return new MarketError("BAD_ARGUMENT", `invalid ${parameter}: ${problem}`, parameter);
}

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

let defaultIfaces: Interface[] | undefined;

/**
 * The custom error in `err`, decoded with `ifaces` (default: every built contract of the stack:
 * the inference market, the registry, the accuracy and retrieval markets).
 */
export function decodeRevert(err: unknown, ifaces?: readonly Interface[]): ErrorDescription | null {
  const data = revertData(err);
  if (!data) {
    const r = (err as { revert?: { name?: string; args?: unknown[] } } | null)?.revert;
    return r?.name ? ({ name: r.name, args: r.args ?? [] } as unknown as ErrorDescription) : null;
  }
  for (const i of ifaces ?? (defaultIfaces ??= stackInterfaces())) {
    try {
      const d = i.parseError(data);
      if (d) return d;
    } catch {
      // not this interface
    }
  }
  return null;
}

/** The decoded error's arguments by name (and by position when a name is missing). */
function argsOf(d: ErrorDescription): Record<string, unknown> {
  const names = d.fragment?.inputs?.map((i) => i.name) ?? [];
  const out: Record<string, unknown> = {};
  [...(d.args as unknown as unknown[])].forEach((a, i) => (out[names[i] || String(i)] = a));
  return out;
}

function rawForm(d: ErrorDescription): string {
  const names = d.fragment?.inputs?.map((i) => i.name) ?? [];
  const args = [...(d.args as unknown as unknown[])].map((a, i) => `${names[i] ? names[i] + "=" : ""}${String(a)}`);
  return `${d.name}(${args.join(", ")})`;
}

/** "Market__DeadlinePassed(requestId=3, deadline=1700000000)" or the error's first line. */
export function describeRevert(err: unknown, ifaces?: readonly Interface[]): string {
  const d = decodeRevert(err, ifaces);
  if (d) return rawForm(d);
  const e = err as { shortMessage?: string; message?: string };
  return (e?.shortMessage ?? e?.message ?? String(err)).split("\n")[0] ?? String(err);
}

/**
 * A sentence for a user: what went wrong in words, amounts in ETH, what to do, then the raw
 * custom error in brackets. Errors without a sentence are given raw.
 */
export function explainRevert(err: unknown, ifaces?: readonly Interface[]): string {
  const d = decodeRevert(err, ifaces);
  if (!d) return describeRevert(err, ifaces);
  const sentence = explainCustomError(d.name, argsOf(d));
  return sentence ? `${sentence} [${rawForm(d)}]` : rawForm(d);
}

/** The part of a custom error's name after `__` ("Market__DeadlinePassed" → "DeadlinePassed"). */
export function errorKey(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const i = name.indexOf("__");
  return i < 0 ? name : name.slice(i + 2);
}

const CODE_OF: Record<string, MarketErrorCode> = {
  RequestNotOpen: "ALREADY_SETTLED",
  DeadlinePassed: "DEADLINE_PASSED",
  TooLate: "DEADLINE_PASSED",
  InvalidProof: "PROOF_REJECTED",
  WrongStatus: "WRONG_STATUS",
  NotSettleable: "TOO_EARLY",
  TooEarly: "TOO_EARLY",
  CircuitNotApproved: "NOT_APPROVED",
};

/**
 * Wraps a failed transaction into a MarketError with the decoded reason explained; the code says
 * what happened (DEADLINE_PASSED, PROOF_REJECTED, INSUFFICIENT_FUNDS, …, else TX_REVERTED).
 */
export function txError(what: string, err: unknown, ifaces?: readonly Interface[]): MarketError {
  if (err instanceof MarketError) return err;
  const d = decodeRevert(err, ifaces);
  if (!d && isInsufficientFunds(err)) {
    return new MarketError("INSUFFICIENT_FUNDS", `${what} failed: ${insufficientFundsText(err)}`, undefined, {
      cause: err,
    });
  }
  const code: MarketErrorCode = CODE_OF[errorKey(d?.name) ?? ""] ?? "TX_REVERTED";
  return new MarketError(code, `${what} failed: ${explainRevert(err, ifaces)}`, undefined, { cause: err });
}

/** True when a node refused a transaction because the sender cannot pay value + gas. */
export function isInsufficientFunds(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const x = e as { code?: unknown; message?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
    if (x.code === "INSUFFICIENT_FUNDS") return true;
    if (typeof x.message === "string" && /insufficient funds|sender doesn't have enough funds/i.test(x.message))
      return true;
    e = x.error ?? x.info?.error ?? x.cause;
  }
  return false;
}

/** "insufficient funds: balance X ETH, needed Y ETH" when the node says the numbers, else without them. */
export function insufficientFundsText(err: unknown, known?: { balance?: bigint; needed?: bigint }): string {
  let balance = known?.balance;
  let needed = known?.needed;
  for (let e: unknown = err, depth = 0; e && depth < 6 && (balance === undefined || needed === undefined); depth++) {
    const x = e as { message?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
    if (typeof x.message === "string") {
      // Hardhat/EDR: "Sender doesn't have enough funds to send tx. The max upfront cost is: 123 and the sender's balance is: 4."
      const m = /max upfront cost is:?\s*(\d+)\D+balance is:?\s*(\d+)/i.exec(x.message);
      // geth: "insufficient funds for gas * price + value: address 0x… have 4 want 123"
      const g = /have (\d+) want (\d+)/i.exec(x.message);
      if (m) [needed, balance] = [needed ?? BigInt(m[1]!), balance ?? BigInt(m[2]!)];
      else if (g) [balance, needed] = [balance ?? BigInt(g[1]!), needed ?? BigInt(g[2]!)];
    }
    e = x.error ?? x.info?.error ?? x.cause;
  }
  const parts = [
    balance !== undefined ? `balance ${formatEth(balance)}` : undefined,
    needed !== undefined ? `needed ${formatEth(needed)}` : undefined,
  ].filter(Boolean);
  return `insufficient funds${parts.length ? `: ${parts.join(", ")}` : ""} (value plus gas); fund the account or lower the amount`;
}
