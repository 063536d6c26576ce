import {
  evenlySpaced,
  loadMnist,
  loadModel,
  mnistCalibration,
  quantize,
  type MnistSample,
  type MnistSplit,
  type QuantizedModel,
} from "../../../src/model/index.js";
import {
  compileModel,
  createWitnessRunner,
  registryEntry,
  type CompiledModel,
  type WeightVisibility,
  type WitnessRunner,
} from "../../../src/circuit/index.js";
import { TEST_CACHE } from "../../helpers/cache.js";
import { readR1cs, type R1cs } from "./r1cs.js";
import { readSym, type SymMap } from "./sym.js";

/**
 * Shared, once-per-run fixtures of the circuit tests: the bundled models quantized with the
 * standard calibration set, and each model circuit compiled at most once per run (and cached on
 * disk across runs by content hash). Compile times are printed, so a cold run shows them.
 */
export type ModelKey = "mlp" | "cnn";
export const MODEL_FILES: Record<ModelKey, string> = {
  mlp: registryEntry("mnist-mlp")!.modelFile!,
  cnn: registryEntry("mnist-cnn")!.modelFile!,
};

let mnist: MnistSplit | undefined;
export function mnistData(): MnistSplit {
  mnist ??= loadMnist();
  return mnist;
}

/** `count` real test digits, evenly spaced over the 1,000 test digits (all ten classes). */
export function testDigits(count: number): MnistSample[] {
  return evenlySpaced(mnistData().test, count);
}

const quantized = new Map<ModelKey, Promise<QuantizedModel>>();
export function quantizedModel(key: ModelKey): Promise<QuantizedModel> {
  let q = quantized.get(key);
  if (!q) {
    q = loadModel(MODEL_FILES[key]).then((m) => quantize(m, { calibration: mnistCalibration(mnistData()) }));
    quantized.set(key, q);
  }
  return q;
}

export interface ModelCircuit {
  compiled: CompiledModel;
  runner: WitnessRunner;
  /** Seconds the compile took in this run (0 when it came from the cache). */
  compileSeconds: number;
}

const circuits = new Map<string, Promise<ModelCircuit>>();
export function modelCircuit(key: ModelKey, weights: WeightVisibility, batch = 1): Promise<ModelCircuit> {
  const id = `${key}/${weights}/${batch}`;
  let c = circuits.get(id);
  if (!c) {
    c = (async () => {
      const qm = await quantizedModel(key);
      const started = Date.now();
      const compiled = await compileModel(qm, { weights, batch, cacheDir: TEST_CACHE });
      const compileSeconds = compiled.circuit.cached ? 0 : (Date.now() - started) / 1000;
      console.log(
        `      [${compiled.name}: ${compiled.constraints} constraints, ${compiled.circuit.cached ? "from the cache" : `compiled in ${compileSeconds.toFixed(1)} s`}]`,
      );
      return { compiled, runner: await createWitnessRunner(compiled.circuit.wasm), compileSeconds };
    })();
    circuits.set(id, c);
  }
  return c;
}

const systems = new Map<string, Promise<{ r1cs: R1cs; sym: SymMap }>>();
/** The constraint system and signal names of a model circuit (parsed once per run). */
export function constraintSystem(
  key: ModelKey,
  weights: WeightVisibility,
  batch = 1,
): Promise<{ r1cs: R1cs; sym: SymMap }> {
  const id = `${key}/${weights}/${batch}`;
  let s = systems.get(id);
  if (!s) {
    s = modelCircuit(key, weights, batch).then(async ({ compiled }) => ({
      r1cs: await readR1cs(compiled.circuit.r1cs),
      sym: await readSym(compiled.circuit.sym),
    }));
    systems.set(id, s);
  }
  return s;
}
