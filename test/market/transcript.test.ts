import { expect } from "chai";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import type { Signer } from "ethers";

import { deployMarketStack } from "../../src/chain/index.js";
import { ModelProvider, circuitIdOf, connectMarket, loadDemoLinearModel } from "../../src/market/index.js";
import { transcriptHashOf } from "../../src/market/index.js";
import { sha256File, sha256Hex, type SetupArtifacts, type SetupManifest } from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";

/** What a circuit approval records as the setup's transcript hash. */
describe("# transcriptHashOf / approveCircuit", function () {
  this.timeout(120_000);
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "zkinfer-transcript-"));
  });
  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** The demo's keys dressed as a finished two-party ceremony, with the transcript file ceremonyFinalize writes. */
  async function ceremonySetup(dev: SetupArtifacts): Promise<SetupArtifacts> {
    const dir = path.join(scratch, "ceremony");
    await cp(dev.dir, dir, { recursive: true });
    const contributions = [
      { name: "alice", contributionHash: "aa".repeat(32), zkeySha256: "01".repeat(32), at: "2026-01-01T00:00:00Z" },
      { name: "bob", contributionHash: "bb".repeat(32), zkeySha256: "02".repeat(32), at: "2026-01-02T00:00:00Z" },
      {
        name: "beacon",
        contributionHash: "cc".repeat(32),
        zkeySha256: dev.manifest.zkeySha256,
        at: "2026-01-03T00:00:00Z",
      },
    ];
    await writeFile(
      path.join(dir, "transcript.json"),
      JSON.stringify({ circuit: dev.manifest.circuit, contributions }, null, 2),
    );
    const manifest: SetupManifest = {
      ...dev.manifest,
      mode: "ceremony",
      insecure: false,
      contributions,
      beacon: { hash: "dd".repeat(32), iterationsExp: 10 },
    };
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
    return { ...dev, dir, manifest };
  }

  it("should record the sha256 of the ceremony's transcript file, and the manifest's for a dev setup", async () => {
    const model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    const ceremony = await ceremonySetup(model.setup);
    const transcriptFile = path.join(ceremony.dir, "transcript.json");
    expect(await transcriptHashOf(ceremony)).to.equal(await sha256File(transcriptFile));
    expect(await transcriptHashOf(model.setup)).to.equal(sha256Hex(JSON.stringify(model.setup.manifest)));

    const { ethers } = await network.getOrCreate();
    const [owner] = (await ethers.getSigners()) as unknown as Signer[];
    const stack = await deployMarketStack(owner!, { deploymentsDir: path.join(scratch, "deployments") });
    const ctx = await connectMarket({
      signer: owner!,
      addresses: { market: stack.market, registry: stack.registry, fromBlock: stack.fromBlock },
      cacheDir: TEST_CACHE,
      stateRoot: path.join(scratch, "state"),
    });
    const p = new ModelProvider(ctx);
    const v = await p.deployVerifier(model, { deploymentsDir: path.join(scratch, "deployments") });
    const circuitId = await p.approveCircuit({ ...model, setup: ceremony }, v.address);
    expect(circuitId).to.equal(circuitIdOf(ceremony));
    const onChain = await ctx.registry.getCircuit(circuitId);
    expect(onChain.dev).to.equal(false);
    expect(onChain.transcriptHash).to.equal("0x" + (await sha256File(transcriptFile)));
    // …which is what a verifier of the ceremony recomputes from the published transcript.
    expect(onChain.transcriptHash).to.equal("0x" + sha256Hex(await readFile(transcriptFile, "utf8")));
  });

  it("should refuse a ceremony setup whose transcript is missing", async () => {
    const model = await loadDemoLinearModel({ cacheDir: TEST_CACHE });
    const ceremony = await ceremonySetup(model.setup);
    await rm(path.join(ceremony.dir, "transcript.json"));
    const err = await transcriptHashOf(ceremony).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(/^ceremony setup DemoLinear has no transcript at .*transcript\.json/);
  });
});
