import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { COMMITTED_VERIFIERS } from "../../src/circuit/verifiers.js";
import { compileCircuit, devSetup, renderVerifier } from "../../src/zk/index.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";

describe("# committed verifiers", () => {
  for (const entry of COMMITTED_VERIFIERS) {
    it(`should match what ${path.basename(entry.circuit)} generates today (else: npm run gen:verifiers)`, async () => {
      const compiled = await compileCircuit({
        circuit: entry.circuit,
        includePaths: entry.includePaths,
        cacheDir: TEST_CACHE,
      });
      const setup = await devSetup({ compiled, cacheDir: TEST_CACHE });
      const { contractName, source } = await renderVerifier(setup);
      const committed = await readFile(path.join(ROOT, "contracts", "verifiers", `${contractName}.sol`), "utf8");
      expect(committed === source, `${contractName}.sol is stale`).to.equal(true);
      // zkinfer's batch entry (fulfillMany) is in the batch-size-1 verifier (N = 3) only.
      const n = setup.manifest.publicSignals;
      expect(source.includes("function verifyProofs(uint256[] calldata rows)"), contractName).to.equal(n === 3);
      // …and so is the prepared entry (IC_0 + s_0·IC_1 computed once per model; fulfill).
      expect(source.includes("function verifyProofPrepared("), contractName).to.equal(n === 3);
      expect(source.includes("function prepareFirstSignal(uint256 s0)"), contractName).to.equal(n === 3);
      expect(source).to.include("function verifyProof(");
    });
  }
});
