import { analyzeBitWidths, quantize, type QuantizedModel } from "../../../src/model/index.js";
import {
  compileModel,
  createWitnessRunner,
  type CompiledModel,
  type WeightVisibility,
  type WitnessRunner,
} from "../../../src/circuit/index.js";
import { TEST_CACHE } from "../../helpers/cache.js";
import { mobileBlockModel, rawInputs } from "../../model/mobileFixtures.js";
import { readR1cs, type R1cs } from "./r1cs.js";
import { readSym, type SymMap } from "./sym.js";

/**
 * The tiny MobileNet-block circuits (test/model/mobileFixtures.ts), each compiled at most once per
 * run (and cached on disk by content hash): `4x4` pools by a shift, `3x3` by an exact division
 * by 9, `3x3-skip2` is the 3×3 model with its residual re-aligned by hand (out = x · 2^2 + body).
 */
export type MobileKey = "4x4" | "3x3" | "3x3-skip2";

export interface MobileCircuit {
  qm: QuantizedModel;
  compiled: CompiledModel;
  runner: WitnessRunner;
  r1cs: R1cs;
  sym: SymMap;
}

export function mobileQuantized(h: number, w: number): QuantizedModel {
  return quantize(mobileBlockModel(h, w), { calibration: rawInputs(2 * h * w, 20) });
}

export function skipShiftedQuantized(): QuantizedModel {
  const qm = mobileQuantized(3, 3);
  const layers = qm.layers.map((l) => (l.kind === "residual" ? { ...l, skipShift: 2 } : l));
  return { ...qm, name: "tiny-mobile-3x3-skip2", layers, bitWidths: analyzeBitWidths({ ...qm, layers }) };
}

const MAKE: Record<MobileKey, () => QuantizedModel> = {
  "4x4": () => mobileQuantized(4, 4),
  "3x3": () => mobileQuantized(3, 3),
  "3x3-skip2": skipShiftedQuantized,
};

const circuits = new Map<string, Promise<MobileCircuit>>();
export function mobileCircuit(key: MobileKey, weights: WeightVisibility, batch = 1): Promise<MobileCircuit> {
  const id = `${key}/${weights}/${batch}`;
  let f = circuits.get(id);
  if (!f) {
    f = (async () => {
      const qm = MAKE[key]();
      const started = Date.now();
      const compiled = await compileModel(qm, { weights, batch, cacheDir: TEST_CACHE });
      console.log(
        `      [${compiled.name}: ${compiled.constraints} constraints, ${compiled.circuit.cached ? "from the cache" : `compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`}]`,
      );
      return {
        qm,
        compiled,
        runner: await createWitnessRunner(compiled.circuit.wasm),
        r1cs: await readR1cs(compiled.circuit.r1cs),
        sym: await readSym(compiled.circuit.sym),
      };
    })();
    circuits.set(id, f);
  }
  return f;
}
