import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { committedMains, generateCircuit } from "../../src/circuit/index.js";
import { quantizeFile } from "../../src/model/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";

/**
 * The committed main circuits of the bundled models (circuits/models/<Name>.circom) are exactly
 * what the generator emits today, for every `committedMains` visibility of circuits/circuits.json:
 * a change of model, quantizer or generator shows up here, and so does a committed main that the
 * registry no longer lists. Regenerate deliberately with `UPDATE_GENERATED_CIRCUITS=1` and commit
 * the result.
 */
const DIR = path.join(ROOT, "circuits", "models");

describe("# generated model circuits", () => {
  const expected = new Set<string>();
  for (const { entry, weights } of committedMains()) {
    it(`should match the committed main of ${entry.name} (${weights} weights)`, async () => {
      const artifact = await quantizeFile(entry.modelFile!, {
        ...(entry.calibration !== undefined ? { calibration: entry.calibration } : {}),
        cacheDir: TEST_CACHE,
      });
      const gen = generateCircuit(artifact.model, { weights });
      const file = path.join(DIR, `${gen.name}.circom`);
      expected.add(path.basename(file));
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

  it("should commit no main that circuits/circuits.json does not list", () => {
    expect(expected.size, "the cases above ran first").to.equal(committedMains().length);
    const committed = readdirSync(DIR).filter((f) => f.endsWith(".circom"));
    expect(committed.sort()).to.deep.equal([...expected].sort());
  });
});
