import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { modelCircuit, type ModelKey } from "./helpers/fixtures.js";
import { mobileCircuit, type MobileKey } from "./helpers/mobile.js";

/**
 * Constraint-count snapshot (ADVERSARIAL.md case 11): every model circuit's constraints, wires and
 * public signals must equal test/circuit/constraints.snapshot.json. A deliberate change is
 * recorded with `UPDATE_CONSTRAINT_SNAPSHOT=1` and committed with the change that caused it.
 */
const SNAPSHOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "constraints.snapshot.json");

interface Entry {
  constraints: number;
  wires: number;
  publicSignals: number;
  perInference: number;
}

const CIRCUITS: [ModelKey, "public" | "private", number][] = [
  ["mlp", "public", 1],
  ["mlp", "private", 1],
  ["cnn", "public", 1],
  ["cnn", "private", 1],
  ["mlp", "public", 2],
];

/** The tiny MobileNet-block circuits (relu6, depthwise, residual, globalavgpool). */
const MOBILE: [MobileKey, "public" | "private"][] = [
  ["4x4", "private"],
  ["4x4", "public"],
  ["3x3", "private"],
];

describe("# constraint counts", function () {
  this.timeout(600_000);

  it("should equal the committed snapshot for every model circuit", async () => {
    const actual: Record<string, Entry> = {};
    for (const [key, weights, batch] of CIRCUITS) {
      const { compiled } = await modelCircuit(key, weights, batch);
      const info = compiled.circuit.info;
      actual[compiled.name] = {
        constraints: info.constraints,
        wires: info.wires,
        publicSignals: info.publicSignals,
        perInference: Math.round(info.constraints / batch),
      };
    }
    for (const [key, weights] of MOBILE) {
      const { compiled } = await mobileCircuit(key, weights);
      const info = compiled.circuit.info;
      actual[compiled.name] = {
        constraints: info.constraints,
        wires: info.wires,
        publicSignals: info.publicSignals,
        perInference: info.constraints,
      };
    }
    if (process.env.UPDATE_CONSTRAINT_SNAPSHOT === "1") {
      writeFileSync(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
      console.log(`      [snapshot written: ${SNAPSHOT}]`);
    }
    const expected = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, Entry>;
    expect(
      actual,
      "constraint counts changed: check why, then run with UPDATE_CONSTRAINT_SNAPSHOT=1 and commit the snapshot",
    ).to.deep.equal(expected);
  });

  it("should keep the private-weights MNIST MLP at or below 100k constraints for one inference", async () => {
    const { compiled } = await modelCircuit("mlp", "private");
    expect(compiled.constraints).to.be.at.most(100_000);
  });
});
