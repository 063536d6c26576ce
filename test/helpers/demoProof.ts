import { readFile } from "node:fs/promises";

import {
  DEMO_LINEAR_BATCH_CIRCUITS,
  DEMO_LINEAR_CIRCUIT,
  demoLinearBatchInput,
  demoLinearInput,
} from "../../src/circuit/demoLinear.js";
import {
  compileCircuit,
  devSetup,
  packProof,
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

/**
 * Real proofs of the demo circuit (k = 1) and its batch variants (k = 4, 16) for given bindings:
 * what the contract tests need to settle requests with the committed generated verifiers
 * (contracts/verifiers/DemoLinear*Verifier.sol, made from the same dev setups). Compiles and sets
 * up each circuit once per run (cached on disk).
 */
export type DemoBatchSize = 1 | 4 | 16;

const circuits = new Map<DemoBatchSize, Promise<{ compiled: CompiledCircuit; setup: SetupArtifacts }>>();

function circuit(k: DemoBatchSize) {
  let c = circuits.get(k);
  if (!c) {
    c = (async () => {
      const file = k === 1 ? DEMO_LINEAR_CIRCUIT : (DEMO_LINEAR_BATCH_CIRCUITS[k] as string);
      const compiled = await compileCircuit({ circuit: file, cacheDir: TEST_CACHE });
      const setup = await devSetup({ compiled, cacheDir: TEST_CACHE });
      return { compiled, setup };
    })();
    circuits.set(k, c);
  }
  return c;
}

/** The demo input of the i-th request of a test: distinct uint8 values. */
export function demoInput(i: number): bigint[] {
  return [0, 1, 2, 3].map((j) => BigInt((i * 7 + j * 31 + 5) % 256));
}

/**
 * Proves `xs.length` (1, 4 or 16) demo inferences with DEMO_REQUEST's weights, bound to `binding`.
 * Returns the packed proof (verifier order), the outputs and the public signals.
 */
export async function proveDemo(
  prover: Prover,
  xs: bigint[][],
  binding: bigint,
): Promise<{ proof: bigint[]; outputs: bigint[]; publicSignals: bigint[] }> {
  const k = xs.length as DemoBatchSize;
  const { compiled, setup } = await circuit(k);
  const built =
    k === 1
      ? (() => {
          const r = demoLinearInput({ ...DEMO_REQUEST, x: xs[0]!, binding });
          return { input: r.input, publicSignals: r.publicSignals, outputs: [r.output] };
        })()
      : demoLinearBatchInput({ weights: DEMO_REQUEST.weights, salt: DEMO_REQUEST.salt, xs, binding });
  const result = await prover.prove({ wasm: compiled.wasm, zkey: setup.zkey, input: built.input });
  if (result.publicSignals.join(",") !== built.publicSignals.join(","))
    throw new Error("demo proof: public signals differ from the reference");
  return { proof: [...packProof(result.proof)], outputs: built.outputs, publicSignals: built.publicSignals };
}
