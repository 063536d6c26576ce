/**
 * What both dataset protocols (accuracy commitments, retrieval) share about the dataset audit
 * circuit: loading a model's audit circuit with its (dev) setup, its id, and the owner's approval
 * on a market that inherits contracts/audit/AuditCircuits.sol. The model comes as its quantized
 * artifact (src/model/artifact.ts): no quantizer run, no data set loaded here.
 */
import { keccak256, toUtf8Bytes } from "ethers";

import { compileAuditCircuit, type CompiledAuditCircuit } from "../dataset/index.js";
import { quantizeFile } from "../model/artifact.js";
import type { QuantizedModel } from "../model/quantized.js";
import { devSetup, type SetupArtifacts } from "../zk/index.js";
import { MarketError } from "./errors.js";
import { modelEntryOf } from "./model.js";
import { transcriptHashOf } from "./inference/provider.js";

export interface AuditModel {
  qm: QuantizedModel;
  audit: CompiledAuditCircuit;
  setup: SetupArtifacts;
}

/**
 * A model's audit circuit (items per proof, Merkle depth), compiled and set up (dev, cached by
 * content hash). `modelFile` is a model file or a bundled name ("mnist-linear"); the model is the
 * same quantized artifact its inference circuit is built from (src/model/artifact.ts), so the
 * weight commitments agree.
 */
export async function loadAuditModel(opts: {
  modelFile: string;
  batch?: number;
  depth?: number;
  /**
   * The packing of the model's registered inference circuit (its `optimizeFor`; default 1, the
   * batch-1 circuits'), whose weight commitment the audit circuit rebuilds.
   */
  optimizeFor?: number;
  cacheDir: string;
  onProgress?: (m: string) => void;
}): Promise<AuditModel> {
  const entry = modelEntryOf(opts.modelFile, opts.cacheDir);
  if (!entry.modelFile)
    throw new MarketError(
      "BAD_ARGUMENT",
      `invalid model: ${entry.name} is a hand-written circuit; audit circuits are generated from a model file`,
      "model",
    );
  const artifact = await quantizeFile(entry.modelFile, {
    ...(entry.calibration !== undefined ? { calibration: entry.calibration } : {}),
    cacheDir: opts.cacheDir,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const qm = artifact.model;
  const audit = await compileAuditCircuit(qm, {
    batch: opts.batch ?? 8,
    depth: opts.depth ?? 10,
    optimizeFor: opts.optimizeFor ?? 1,
    cacheDir: opts.cacheDir,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const setup = await devSetup({
    compiled: audit.circuit,
    cacheDir: opts.cacheDir,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { qm, audit, setup };
}

/** bytes32 id of an audit circuit, derived from its keys (the same keys give the same id). */
export function auditCircuitIdOf(setup: SetupArtifacts): string {
  return keccak256(toUtf8Bytes(`zkinfer-audit-circuit:${setup.manifest.circuit}:${setup.manifest.zkeySha256}`));
}

/** The part of AccuracyMarket / RetrievalMarket that approves audit circuits. */
export interface AuditCircuitsContract {
  getAuditCircuit(id: string): Promise<{ verifier: string }>;
  approveAuditCircuit(
    id: string,
    params: {
      verifier: string;
      batchSize: number;
      depth: number;
      dev: boolean;
      contributors: number;
      zkeyHash: string;
      transcriptHash: string;
      architectureHash: string;
    },
  ): Promise<{ wait(): Promise<unknown> }>;
}

/**
 * Owner: approves an audit circuit (its generated verifier already deployed) for the models whose
 * inference circuit has `architectureHash`. Reuses an identical approval; refuses another verifier.
 */
export async function approveAuditCircuitOn(
  market: AuditCircuitsContract,
  opts: { setup: SetupArtifacts; verifier: string; batch: number; depth: number; architectureHash: string },
  onError: (what: string, err: unknown) => Error,
): Promise<string> {
  const id = auditCircuitIdOf(opts.setup);
  const existing = await market.getAuditCircuit(id);
  if (existing.verifier !== "0x0000000000000000000000000000000000000000") {
    if (existing.verifier.toLowerCase() !== opts.verifier.toLowerCase())
      throw new MarketError(
        "BAD_ARGUMENT",
        `invalid verifier: audit circuit ${id.slice(0, 10)}… is already approved with ${existing.verifier}`,
        "verifier",
      );
    return id;
  }
  const m = opts.setup.manifest;
  try {
    await (
      await market.approveAuditCircuit(id, {
        verifier: opts.verifier,
        batchSize: opts.batch,
        depth: opts.depth,
        dev: m.insecure,
        contributors: m.contributions.filter((c) => c.name !== "beacon").length,
        zkeyHash: "0x" + m.zkeySha256,
        transcriptHash: "0x" + (await transcriptHashOf(opts.setup)),
        architectureHash: opts.architectureHash,
      })
    ).wait();
  } catch (err) {
    throw onError(`approving audit circuit ${m.circuit}`, err);
  }
  return id;
}
