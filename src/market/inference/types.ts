/** The types the inference provider's agent is configured with (kept apart so model.ts can name them). */
import type { CircuitInput, ProofResult, ProverPool } from "../../zk/index.js";
import type { ProvingModel } from "../model.js";
import { MarketError } from "../errors.js";
import type { BatchCircuit } from "./batchCircuit.js";
import type { ModelRecord } from "./provider.js";
import type { PostedRequest } from "./requests.js";
import type { ShardedModel } from "./sharded.js";

export type { BatchCircuit };

export interface ServedModel {
  model: ProvingModel;
  record: ModelRecord;
  /** Batch circuits of the model (each must be registered on chain for its size). */
  batches?: BatchCircuit[];
  /** A sharded model (`model` is then its shard 0, see `servedSharded`): proved shard by shard. */
  sharded?: ShardedModel;
}

/** What proves: the agent's own prover processes by default; tests may wrap or replace them. */
export interface ProverLike {
  prove(args: { wasm: string; zkey: string; input: CircuitInput }): Promise<ProofResult>;
  close(): Promise<void>;
}

export type AgentEvent =
  | { type: "queued"; requestId: bigint; modelId: string; deadline: bigint }
  | { type: "proving"; requestIds: bigint[]; estimateSeconds: number }
  | { type: "proved"; requestId: bigint; output: bigint; proveMs: number; cached: boolean; batch: number }
  | { type: "fulfilled"; requestId: bigint; output: bigint; txHash: string; gasUsed: bigint; batch: number }
  | { type: "skipped"; requestId: bigint; reason: string }
  | { type: "declined"; requestId: bigint; reason: string }
  | { type: "left-open"; requestId: bigint; reason: string }
  | { type: "error"; requestId?: bigint; message: string };

export interface AgentOptions {
  /** Parallel proofs (each prover process already uses every core). Default 1. */
  concurrency?: number;
  /** How often the chain is polled for new bounties, ms. Default 500. */
  pollMs?: number;
  /** Decline requests whose input does not match its commitment (no slash for a refusal). Default true. */
  declineMismatched?: boolean;
  /** Extra seconds to keep before a deadline, on top of the estimate (see the file header). Default 0. */
  minSecondsLeft?: number;
  /** Multiplier on the proving-time estimate. Default 1.5. */
  safetyFactor?: number;
  /** Seconds allowed for signing, sending and mining a transaction. Default 10. */
  submitSeconds?: number;
  /** Proving-time estimate before any proof of a circuit was measured, s (default: 1 s + 0.1 ms/constraint). */
  initialProveSeconds?: number;
  /** Decline requests that cannot be finished in time (else skip them and let them expire). Default true. */
  declineLate?: boolean;
  /** How long `stop()` waits for proofs in flight before abandoning them, ms. Default 25 000. */
  handBackMs?: number;
  /** Check the on-chain verifier code against the one generated from the zkey. Default true. */
  checkVerifierCode?: boolean;
  /** Folder for proofs and journals; default `<cacheDir>/provider/<chain>-<market>-<address>`. */
  stateDir?: string;
  /** Where the shards of a sharded model's requests are proved (default: a SequentialPool). */
  pool?: ProverPool;
  /** Makes the provers (default: one `Prover` process per slot). */
  prover?: () => ProverLike;
  onEvent?: (e: AgentEvent) => void;
}

export interface StopReport {
  /** Requests whose proof was abandoned at the hand-back timeout (still Open on chain). */
  leftOpen: bigint[];
}

/** Throws BAD_ARGUMENT naming the first option out of range. */
export function checkAgentOptions(opts: AgentOptions): void {
  const c = opts.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1 || c > 64)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid concurrency: expected an integer in [1, 64], got ${String(c)}`,
      "concurrency",
    );
  const f = opts.safetyFactor ?? 1.5;
  if (typeof f !== "number" || !(f >= 1) || !Number.isFinite(f))
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid safetyFactor: expected a number ≥ 1, got ${String(f)}`,
      "safetyFactor",
    );
  for (const k of ["submitSeconds", "minSecondsLeft", "handBackMs", "initialProveSeconds"] as const) {
    const v = opts[k];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0))
      throw new MarketError("BAD_ARGUMENT", `invalid ${k}: expected a non-negative number, got ${String(v)}`, k);
  }
}

/** A request the agent holds: its posting, and the deadline the market enforces for it. */
export interface AgentJob {
  requestId: bigint;
  modelId: string;
  inputCommitment: bigint;
  input: string;
  /** The enforced deadline (`deadlineOf`: later than posted after a pause), read again before acting. */
  deadline: bigint;
  /** The request as posted: what fulfill and decline pass back (the market stores its hash). */
  request: PostedRequest;
}

/** A served model with its batch circuits by size. */
export interface ServedWithBatches extends ServedModel {
  batchBySize: Map<number, BatchCircuit>;
}

/** A proof under way in one of the agent's slots. */
export interface InFlight {
  requestIds: bigint[];
  startedAt: number;
  estimateSeconds: number;
}

/** The served models by id, each with its batch circuits by size (sizes checked: ≥ 2). */
export function servedById(served: ServedModel[]): Map<string, ServedWithBatches> {
  if (!Array.isArray(served) || served.length === 0)
    throw new MarketError("BAD_ARGUMENT", "invalid models: the agent needs at least one model to serve", "models");
  const byId = new Map<string, ServedWithBatches>();
  for (const s of served) {
    const batchBySize = new Map<number, BatchCircuit>();
    for (const b of s.batches ?? []) {
      if (!Number.isInteger(b.size) || b.size < 2)
        throw new MarketError("BAD_ARGUMENT", `invalid batches: batch size ${String(b.size)} is not ≥ 2`, "batches");
      batchBySize.set(b.size, b);
    }
    byId.set(s.record.modelId.toLowerCase(), { ...s, batchBySize });
  }
  return byId;
}

/** What an agent has done since it started (`ProviderAgent.stats`). */
export interface AgentStats {
  fulfilled: number;
  batches: number;
  proved: number;
  cachedProofs: number;
  skipped: number;
  declined: number;
  leftOpen: number;
  errors: number;
}

export const NO_STATS: Readonly<AgentStats> = {
  fulfilled: 0,
  batches: 0,
  proved: 0,
  cachedProofs: 0,
  skipped: 0,
  declined: 0,
  leftOpen: 0,
  errors: 0,
};
