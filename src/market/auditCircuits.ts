/**
 * What both dataset protocols (accuracy commitments, retrieval) share about the dataset audit
 * circuit: loading a model's audit circuit with its (dev) setup, its id, and the owner's approval
 * on a market that inherits contracts/audit/AuditCircuits.sol.
 */
import { keccak256, toUtf8Bytes } from "ethers";

import { compileAuditCircuit, type CompiledAuditCircuit } from "../dataset/index.js";
import { loadMnist, loadModel, mnistCalibration, quantize, type QuantizedModel } from "../model/index.js";
import { devSetup, type SetupArtifacts } from "../zk/index.js";
import { MarketError } from "./errors.js";
import { transcriptHashOf } from "./inference/provider.js";

export interface AuditModel {
  qm: QuantizedModel;
  audit: CompiledAuditCircuit;
  setup: SetupArtifacts;
}

/**
 * A model file's audit circuit (items per proof, Merkle depth), compiled and set up (dev, cached by
 * content hash). The model is quantized exactly as its inference circuit is (same calibration), so
 * the weight commitments agree.
 */
export async function loadAuditModel(opts: {
  modelFile: string;
  batch?: number;
  depth?: number;
  cacheDir: string;
  onProgress?: (m: string) => void;
}): Promise<AuditModel> {
  const qm = quantize(await loadModel(opts.modelFile), { calibration: mnistCalibration(loadMnist()) });
  const audit = await compileAuditCircuit(qm, {
    batch: opts.batch ?? 8,
    depth: opts.depth ?? 10,
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
