import { readFile } from "node:fs/promises";
import { WitnessCalculatorBuilder, type WitnessCalculator } from "circom_runtime";

import { ZkError } from "../zk/index.js";

/**
 * A witness calculator that compiles a circuit's wasm ONCE and then computes many witnesses
 * (`calculateWitness` of src/zk reloads the wasm on every call: ~0.4 s for the MLP, ~1.8 s for a
 * private-weights circuit, most of it WebAssembly compilation). Same runtime snarkjs uses
 * (circom_runtime), same results. Inputs: signal name → number | bigint | nested arrays; negative
 * values are reduced into the field.
 */
export interface WitnessRunner {
  /** Full witness (index 0 is the constant 1). Throws ZkError WITNESS_FAILED if the input does not satisfy the circuit. */
  calculate(input: Record<string, unknown>): Promise<bigint[]>;
}

export async function createWitnessRunner(wasmFile: string): Promise<WitnessRunner> {
  const code = await readFile(wasmFile);
  let wc: WitnessCalculator;
  try {
    wc = await WitnessCalculatorBuilder(code);
  } catch (err) {
    throw new ZkError(
      "WITNESS_FAILED",
      `cannot load the witness calculator ${wasmFile}: ${String((err as Error).message ?? err)}`,
    );
  }
  return {
    async calculate(input) {
      // The runtime prints failed asserts itself; the thrown error carries the message.
      const { log, error } = console;
      console.log = () => {};
      console.error = () => {};
      try {
        return await wc.calculateWitness(input, false);
      } catch (err) {
        const msg =
          String((err as Error).message ?? err)
            .split("\n")
            .find((l) => l.trim()) ?? "unknown error";
        throw new ZkError(
          "WITNESS_FAILED",
          `witness generation failed (the input does not satisfy the circuit): ${msg.trim()}`,
        );
      } finally {
        console.log = log;
        console.error = error;
      }
    },
  };
}
