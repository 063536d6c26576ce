/** A batch circuit of a model (its own module: model.ts names it without importing the agent). */
import type { CircuitInput, SetupArtifacts } from "../../zk/index.js";

/**
 * A circuit proving `size` inferences of a model at once, registered for the model as its batch
 * circuit of that size. Built from the SDK's circuit helpers (src/circuit `buildCircuitInput`),
 * so the agent never depends on the public-signal layout.
 */
export interface BatchCircuit {
  /** Requests per proof (≥ 2). */
  readonly size: number;
  readonly wasm: string;
  readonly setup: SetupArtifacts;
  /**
   * The witness input and expected public signals of one proof of `inputs` (exactly `size`, in
   * ascending request id order) bound to `binding`, and each input's output.
   */
  buildInput(
    inputs: Uint8Array[],
    salt: bigint,
    binding: bigint,
  ): { input: CircuitInput; publicSignals: bigint[]; outputs: bigint[] };
}
