import { readFile } from "node:fs/promises";

import { DEMO_LINEAR_CIRCUIT, demoLinearInput } from "../../src/circuit/demoLinear.js";
import {
  compileCircuit,
  devSetup,
  Prover,
  type CompiledCircuit,
  type ProofResult,
  type SetupArtifacts,
} from "../../src/zk/index.js";
import { TEST_CACHE } from "./cache.js";

export interface DemoFixture {
  compiled: CompiledCircuit;
  setup: SetupArtifacts;
  verificationKey: object;
  proof: ProofResult;
  expectedSignals: bigint[];
}

export const DEMO_REQUEST = {
  weights: [3n, -2n, 5n, 1n],
  salt: 0x5a17n,
  x: [10n, 20n, 30n, 40n],
  binding: 777n,
};

let fixture: Promise<DemoFixture> | undefined;

/** Compile → dev setup → one proof of the demo circuit, once per test run (cached on disk too). */
export function demoFixture(): Promise<DemoFixture> {
  fixture ??= (async () => {
    const compiled = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir: TEST_CACHE });
    const setup = await devSetup({ compiled, cacheDir: TEST_CACHE });
    const { input, publicSignals } = demoLinearInput(DEMO_REQUEST);
    const prover = new Prover();
    try {
      const proof = await prover.prove({ wasm: compiled.wasm, zkey: setup.zkey, input });
      const verificationKey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
      return { compiled, setup, verificationKey, proof, expectedSignals: publicSignals };
    } finally {
      await prover.close();
    }
  })();
  return fixture;
}
