import { packProof, type Prover, type SetupArtifacts } from "../zk/index.js";
import { buildAuditInput, type AuditRequest, type GeneratedAuditCircuit } from "./circuit.js";

export interface AuditProof {
  /** Items of the chunk classified as the target. */
  count: number;
  predictions: number[];
  publicSignals: bigint[];
  /** The proof packed for the Solidity verifier (a0, a1, b00, b01, b10, b11, c0, c1). */
  proof: bigint[];
  proveMs: number;
}

/** Builds the witness input of one audit chunk and proves it. */
export async function proveAuditChunk(
  prover: Prover,
  audit: GeneratedAuditCircuit & { circuit: { wasm: string } },
  setup: SetupArtifacts,
  req: AuditRequest,
): Promise<AuditProof> {
  const built = buildAuditInput(audit, req);
  const r = await prover.prove({ wasm: audit.circuit.wasm, zkey: setup.zkey, input: built.input });
  return {
    count: built.count,
    predictions: built.predictions,
    publicSignals: built.publicSignals,
    proof: [...packProof(r.proof)],
    proveMs: r.proveMs,
  };
}
