/**
 * Proofs cached on disk per request (keyed by request id and input commitment), so a restart
 * submits a proof made before it instead of proving again; a cached proof is used only when its
 * public signals are the ones the market will rebuild for the request.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

import { writeJsonAtomic } from "../../util/fs.js";
import type { CircuitInput, SetupArtifacts } from "../../zk/index.js";
import type { ProveTimeEstimator } from "./scheduler.js";
import type { BatchCircuit, ServedModel } from "./types.js";

export interface CachedProof {
  requestIds: string[];
  modelId: string;
  inputCommitments: string[];
  outputs: string[];
  proof: string[];
  publicSignals: string[];
  proveMs: number;
}

export async function readCachedProof(file: string, expected: string[]): Promise<CachedProof | null> {
  if (!existsSync(file)) return null;
  try {
    const c = JSON.parse(await readFile(file, "utf8")) as CachedProof;
    if (c.publicSignals.join(",") === expected.join(",") && c.proof.length === 8 && Array.isArray(c.outputs)) return c;
  } catch {
    // unreadable: prove again
  }
  await rm(file, { force: true });
  return null;
}

/** What one proof of `open` (one request, or a batch in ascending id order) needs, and where it is cached. */
export interface ProofPlan {
  wasm: string;
  zkey: string;
  setup: SetupArtifacts;
  input: CircuitInput;
  /** The public signals the market will rebuild. */
  expected: string[];
  outputs: bigint[];
  /** "request 3" or "requests 3, 4 (batch of 2)". */
  what: string;
  proofFile: string;
}

/** The circuit, witness input and cache file of a proof of `open` (inputs already checked). */
export function planProof(
  served: ServedModel & { batchBySize: Map<number, BatchCircuit> },
  open: readonly { requestId: bigint; inputCommitment: bigint }[],
  inputs: Uint8Array[],
  o: { salt: bigint; binding: bigint; proofDir: string },
): ProofPlan {
  const { model } = served;
  const k = open.length;
  const ids = open.map((j) => j.requestId);
  const key = proofFileKey(open[0]!);
  if (k === 1) {
    const built = model.buildInput(inputs[0]!, o.salt, o.binding);
    return {
      wasm: model.compiled.wasm,
      zkey: model.setup.zkey,
      setup: model.setup,
      input: built.input,
      expected: built.publicSignals.map(String),
      outputs: [built.output],
      what: `request ${ids[0]}`,
      proofFile: path.join(o.proofDir, `${key}.json`),
    };
  }
  const batch = served.batchBySize.get(k)!;
  const built = batch.buildInput(inputs, o.salt, o.binding);
  return {
    wasm: batch.wasm,
    zkey: batch.setup.zkey,
    setup: batch.setup,
    input: built.input,
    expected: built.publicSignals.map(String),
    outputs: built.outputs,
    what: `requests ${ids.join(", ")} (batch of ${k})`,
    proofFile: path.join(o.proofDir, `batch-${ids.join("_")}-${key.split("-")[1]}.json`),
  };
}

/** "<requestId>-<first 16 hex digits of the input commitment>": names a request's proof and journal files. */
export function proofFileKey(job: { requestId: bigint; inputCommitment: bigint }): string {
  return `${job.requestId}-${job.inputCommitment.toString(16).padStart(64, "0").slice(0, 16)}`;
}

/** Reads the proving times kept in `file` into `estimator` (none, or unreadable: the prior stands). */
export async function readTimings(estimator: ProveTimeEstimator, file: string): Promise<void> {
  if (!existsSync(file)) return;
  try {
    estimator.load(JSON.parse(await readFile(file, "utf8")));
  } catch {
    // unreadable: start from the prior
  }
}

/** Keeps the estimator's proving times in `file` (atomically), for the next start. */
export function saveTimings(estimator: ProveTimeEstimator, file: string): Promise<void> {
  return writeJsonAtomic(file, estimator.toJSON());
}
