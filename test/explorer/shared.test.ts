import { expect } from "chai";
import path from "node:path";
import { build } from "esbuild";

import { PAGE_DIR } from "../../src/explorer/index.js";
import { ROOT } from "../helpers/cache.js";

const SHARED = {
  settlements: "src/market/inference/settlements.ts",
  claims: "src/market/accuracy/claims.ts",
  retrievals: "src/market/retrieval/requests.ts",
};

/** The SDK modules inside a bundle, and whether any Node-only module came with them. */
async function inputsOf(entry: string): Promise<string[]> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return Object.keys(out.metafile.inputs);
}

const nodeOnly = (inputs: string[]) =>
  inputs.filter((i) => i.startsWith("node:") || /src\/(chain|market\/context|market\/errors|zk\/index)/.test(i));

/**
 * One implementation, not two: the explorer page reads settlements, accuracy claims and retrieval
 * requests with the SDK's own modules, which must therefore bundle for a browser. (The SDK's
 * reads.ts files wrap the same functions with retries and typed errors.)
 */
describe("# explorer: the SDK modules the page shares", function () {
  this.timeout(60_000);

  for (const [name, file] of Object.entries(SHARED))
    it(`should bundle ${name} for a browser: no Node-only import in it or anything it imports`, async () => {
      const inputs = await inputsOf(path.join(ROOT, file));
      expect(inputs).to.include(file);
      expect(nodeOnly(inputs)).to.deep.equal([]);
    });

  it("should build the page from those same modules (one implementation, not two)", async () => {
    const inputs = await inputsOf(path.join(PAGE_DIR, "main.ts"));
    for (const file of Object.values(SHARED)) expect(inputs).to.include(file);
    expect(nodeOnly(inputs)).to.deep.equal([]);
  });
});
