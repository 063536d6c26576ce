import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { generateCircuit, type WeightVisibility } from "../../src/circuit/index.js";
import { ROOT } from "../helpers/cache.js";
import { quantizedModel, type ModelKey } from "./helpers/fixtures.js";

/**
 * The committed main circuits of the bundled models (circuits/models/<Name>.circom) are exactly
 * what the generator emits today: a change of model, quantizer or generator shows up here.
 * Regenerate deliberately with `UPDATE_GENERATED_CIRCUITS=1` and commit the result.
 */
const DIR = path.join(ROOT, "circuits", "models");

describe("# generated model circuits", () => {
  for (const key of ["mlp", "cnn"] as ModelKey[]) {
    for (const weights of ["public", "private"] as WeightVisibility[]) {
      it(`should match the committed main of mnist-${key} (${weights} weights)`, async () => {
        const gen = generateCircuit(await quantizedModel(key), { weights });
        const file = path.join(DIR, `${gen.name}.circom`);
        if (process.env.UPDATE_GENERATED_CIRCUITS === "1") writeFileSync(file, gen.source);
        expect(
          existsSync(file),
          `${path.relative(ROOT, file)} is missing: run with UPDATE_GENERATED_CIRCUITS=1`,
        ).to.equal(true);
        expect(
          readFileSync(file, "utf8") === gen.source,
          `${path.relative(ROOT, file)} is stale: regenerate with UPDATE_GENERATED_CIRCUITS=1`,
        ).to.equal(true);
      });
    }
  }
});
