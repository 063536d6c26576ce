// Minimal types for circom_runtime (the witness runtime snarkjs itself uses; it ships no types).
declare module "circom_runtime" {
  export interface WitnessCalculator {
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
  }
  export function WitnessCalculatorBuilder(
    code: Uint8Array | WebAssembly.Instance,
    options?: { sanityCheck?: boolean },
  ): Promise<WitnessCalculator>;
}
