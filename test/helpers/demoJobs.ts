import { demoLinearInput } from "../../src/circuit/demoLinear.js";
import type { ProofJob } from "../../src/zk/index.js";
import { DEMO_REQUEST, demoInput, type DemoFixture } from "./demoProof.js";

/**
 * A proof job of the demo circuit (cached compile and dev setup) for the prover-pool tests:
 * request `i`'s input bound to `binding`, with the public signals its proof must have.
 */
export function demoJob(f: DemoFixture, key: string, i: number, binding: bigint): ProofJob & { expected: string[] } {
  const { input, publicSignals } = demoLinearInput({ ...DEMO_REQUEST, x: demoInput(i), binding });
  return {
    key,
    wasm: f.compiled.wasm,
    zkey: f.setup.zkey,
    zkeyHash: f.setup.manifest.zkeySha256,
    input,
    expected: publicSignals.map(String),
  };
}
