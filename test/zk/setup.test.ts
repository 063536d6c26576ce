import { expect } from "chai";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";

import { demoLinearInput } from "../../src/circuit/demoLinear.js";
import {
  ceremonyContribute,
  ceremonyFinalize,
  ceremonyInit,
  checkSetupArtifacts,
  devPtau,
  devSetup,
  importPtau,
  sha256Hex,
  Prover,
  releaseSnarkjs,
  verifyProof,
  ZkError,
} from "../../src/zk/index.js";
import { TEST_CACHE } from "../helpers/cache.js";
import { DEMO_REQUEST, demoFixture } from "../helpers/demoProof.js";
import { itDeep } from "../helpers/tiers.js";

describe("# devSetup", () => {
  after(releaseSnarkjs);

  it("should make keys whose proofs verify off-chain, flagged insecure", async () => {
    const { setup, verificationKey, proof, expectedSignals } = await demoFixture();
    expect(setup.manifest.mode).to.equal("dev");
    expect(setup.manifest.insecure).to.equal(true);
    expect(proof.publicSignals).to.deep.equal(expectedSignals.map(String));
    expect(await verifyProof(verificationKey, proof.publicSignals, proof.proof)).to.equal(true);
  });

  it("should not verify a proof once any public signal is edited", async () => {
    const { verificationKey, proof } = await demoFixture();
    for (let i = 0; i < proof.publicSignals.length; i++) {
      const edited = [...proof.publicSignals];
      edited[i] = (BigInt(edited[i] as string) + 1n).toString();
      expect(await verifyProof(verificationKey, edited, proof.proof), `signal ${i}`).to.equal(false);
    }
  });

  it("should compute the dev keys, beacon included, as snarkjs zkey new + zkey beacon would, from a cold cache", async function () {
    this.timeout(300_000);
    const { compiled } = await demoFixture();
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-devsetup-"));
    const lines: string[] = [];
    const setup = await devSetup({ compiled, cacheDir, onProgress: (m) => lines.push(m) });
    expect(
      lines.some((l) => /dev zkey DemoLinear: .*overall 100%/.test(l)),
      "progress to 100%",
    ).to.equal(true);
    expect(
      lines.some((l) => /applying the dev beacon/.test(l)),
      "no separate beacon pass",
    ).to.equal(false);
    const m = setup.manifest;
    expect(m.beacon).to.deep.equal({ hash: sha256Hex("zkinfer dev beacon\nzkinfer-dev"), iterationsExp: 10 });
    // The reference: the dev ptau of the same seed, snarkjs zkey new, then snarkjs zkey beacon.
    const ptau = await devPtau({ cacheDir, power: m.ptau.power, seed: "zkinfer-dev" });
    const zkey0 = path.join(cacheDir, "ref-new.zkey");
    const ref = path.join(cacheDir, "ref-beacon.zkey");
    await snarkjs.zKey.newZKey(compiled.r1cs, ptau, zkey0);
    const refHash = (await snarkjs.zKey.beacon(zkey0, ref, "zkinfer dev beacon", m.beacon!.hash, 10)) as Uint8Array;
    expect((await readFile(setup.zkey)).equals(await readFile(ref)), "zkey bytes").to.equal(true);
    expect(m.contributions.map((c) => [c.name, c.contributionHash])).to.deep.equal([
      ["beacon", Buffer.from(refHash).toString("hex")],
    ]);
    expect(JSON.parse(await readFile(setup.verificationKey, "utf8"))).to.deep.equal(
      await snarkjs.zKey.exportVerificationKey(ref),
    );
    await checkSetupArtifacts(setup);
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("should refuse a zkey that does not match its manifest", async () => {
    const { setup } = await demoFixture();
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-setup-"));
    const zkey = path.join(dir, "swapped.zkey");
    await copyFile(setup.zkey, zkey);
    await writeFile(zkey, Buffer.from("tampered"), { flag: "a" });
    try {
      await checkSetupArtifacts({ ...setup, zkey });
      expect.fail("expected ARTIFACT_MISMATCH");
    } catch (err) {
      expect((err as ZkError).code).to.equal("ARTIFACT_MISMATCH");
    }
  });

  it("should fail witness generation with a typed error when the claimed output is wrong", async () => {
    const { compiled, setup } = await demoFixture();
    const { input } = demoLinearInput(DEMO_REQUEST);
    const prover = new Prover();
    try {
      await prover.prove({
        wasm: compiled.wasm,
        zkey: setup.zkey,
        input: { ...input, claim: (input.claim as bigint) + 1n },
      });
      expect.fail("expected WITNESS_FAILED");
    } catch (err) {
      expect((err as ZkError).code).to.equal("WITNESS_FAILED");
      expect((err as ZkError).message).to.match(/witness generation failed/);
    } finally {
      await prover.close();
    }
  });
});

describe("# ceremony (imported ptau + multi-party phase 2)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-ceremony-"));
  });
  after(releaseSnarkjs);

  it("should refuse a ptau too small for the circuit, naming both sizes", async () => {
    const { compiled } = await demoFixture();
    const small = await devPtau({ cacheDir: TEST_CACHE, power: 6 });
    try {
      await ceremonyInit({ compiled, ptau: { file: small, power: 6, sha256: "" }, outZkey: path.join(dir, "x.zkey") });
      expect.fail("expected PTAU_TOO_SMALL");
    } catch (err) {
      expect((err as ZkError).code).to.equal("PTAU_TOO_SMALL");
      expect((err as ZkError).message).to.match(
        /holds 2\^6 but circuit DemoLinear .* needs 2\^10: use a ptau of power ≥ 10/,
      );
    }
  });

  itDeep("should import a public ptau, run two contributions and a beacon, and prove with the result", async () => {
    const { compiled } = await demoFixture();
    // A stand-in for a public ceremony's file: snarkjs's own phase 1 with one contribution and
    // a beacon, unprepared, so the import also prepares it.
    const { curves } = snarkjs as unknown as { curves: { getCurveFromName: (n: string) => Promise<unknown> } };
    const curve = await curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 10, path.join(dir, "p0.ptau"));
    await snarkjs.powersOfTau.contribute(
      path.join(dir, "p0.ptau"),
      path.join(dir, "p1.ptau"),
      "phase1",
      "x".repeat(40),
    );
    await snarkjs.powersOfTau.beacon(path.join(dir, "p1.ptau"), path.join(dir, "p2.ptau"), "b", "11".repeat(32), 10);
    const ptau = await importPtau({ ptauFile: path.join(dir, "p2.ptau"), cacheDir: dir });
    expect(ptau.power).to.equal(10);

    await ceremonyInit({ compiled, ptau, outZkey: path.join(dir, "c0.zkey") });
    await ceremonyContribute({
      inZkey: path.join(dir, "c0.zkey"),
      outZkey: path.join(dir, "c1.zkey"),
      name: "alice",
      entropy: "a".repeat(40),
    });
    await ceremonyContribute({
      inZkey: path.join(dir, "c1.zkey"),
      outZkey: path.join(dir, "c2.zkey"),
      name: "bob",
      entropy: "b".repeat(40),
    });
    const setup = await ceremonyFinalize({
      compiled,
      ptau,
      inZkey: path.join(dir, "c2.zkey"),
      beaconHash: "cd".repeat(32),
      cacheDir: dir,
    });

    expect(setup.manifest.mode).to.equal("ceremony");
    expect(setup.manifest.insecure).to.equal(false);
    expect(setup.manifest.contributions.map((c) => c.name)).to.deep.equal(["alice", "bob", "beacon"]);
    await checkSetupArtifacts(setup);

    const { input, publicSignals } = demoLinearInput(DEMO_REQUEST);
    const prover = new Prover();
    try {
      const proof = await prover.prove({ wasm: compiled.wasm, zkey: setup.zkey, input });
      const vk = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
      expect(await verifyProof(vk, publicSignals, proof.proof)).to.equal(true);
    } finally {
      await prover.close();
    }
  });

  itDeep("should refuse a contribution on a zkey that is not the one its transcript ends with", async () => {
    // A party is handed an older zkey with a newer transcript (a contribution would be lost).
    await copyFile(path.join(dir, "c0.zkey"), path.join(dir, "stale.zkey"));
    await copyFile(path.join(dir, "c1.transcript.json"), path.join(dir, "stale.transcript.json"));
    try {
      await ceremonyContribute({
        inZkey: path.join(dir, "stale.zkey"),
        outZkey: path.join(dir, "c9.zkey"),
        name: "mallory",
        entropy: "m".repeat(40),
      });
      expect.fail("expected ARTIFACT_MISMATCH");
    } catch (err) {
      expect((err as ZkError).code).to.equal("ARTIFACT_MISMATCH");
      expect((err as ZkError).message).to.match(/is not the zkey its transcript ends with/);
    }
  });

  it("should refuse a ptau file that fails verification", async () => {
    const bogus = path.join(dir, "bogus.ptau");
    await writeFile(bogus, Buffer.from("not a ptau at all"));
    try {
      await importPtau({ ptauFile: bogus, cacheDir: dir });
      expect.fail("expected PTAU_INVALID");
    } catch (err) {
      expect((err as ZkError).code).to.equal("PTAU_INVALID");
    }
  });
});
