import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Contract, Wallet, encryptKeystoreJson } from "ethers";

import { errorLine, zkinfer } from "../helpers/cli.js";
import { DEV_KEYS, startHardhatNode, type RunningNode } from "../e2e/hardhatNode.js";

const PASSWORD = "correct horse battery staple";

const errorLines = errorLine;

/** The encrypted JSON keystore path of the CLI: `--keystore FILE`, password from the environment. */
describe("# zkinfer --keystore", function () {
  this.timeout(120_000);
  let node: RunningNode;
  let dir: string;
  let keystore: string;
  const owner = new Wallet(DEV_KEYS[0]);
  const secrets = [owner.privateKey, owner.privateKey.slice(2), PASSWORD];

  const expectNoSecret = (r: { stdout: string; stderr: string }) => {
    for (const s of secrets) {
      expect(r.stdout.toLowerCase()).to.not.include(s.toLowerCase());
      expect(r.stderr.toLowerCase()).to.not.include(s.toLowerCase());
    }
  };

  before(async () => {
    node = await startHardhatNode();
    dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-keystore-"));
    keystore = path.join(dir, "owner.json");
    // A light scrypt cost keeps the test fast; the CLI reads any ethers/geth keystore.
    await writeFile(
      keystore,
      await encryptKeystoreJson({ address: owner.address, privateKey: owner.privateKey }, PASSWORD, {
        scrypt: { N: 1 << 12 },
      }),
    );
  });

  after(async () => {
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("should sign with the keystore's key (over ZKINFER_PRIVATE_KEY) and never print it", async () => {
    const r = await zkinfer(
      // Another key in the environment: the explicit --keystore wins.
      { ZKINFER_KEYSTORE_PASSWORD: PASSWORD, ZKINFER_PRIVATE_KEY: DEV_KEYS[3] },
      "deploy",
      "--rpc",
      node.url,
      "--deployments",
      dir,
      "--keystore",
      keystore,
    );
    expect(r.code, r.stderr).to.equal(0);
    const stack = JSON.parse(r.stdout) as { registry: string };
    const registry = new Contract(stack.registry, ["function owner() view returns (address)"], node.provider);
    expect(await registry.getFunction("owner")()).to.equal(owner.address);
    expectNoSecret(r);
  });

  it("should not decrypt with a wrong password: one clear line, non-zero exit, nothing secret printed", async () => {
    const r = await zkinfer(
      { ZKINFER_KEYSTORE_PASSWORD: "wrong password" },
      "provider",
      "stake",
      "1",
      "--rpc",
      node.url,
      "--deployments",
      dir,
      "--keystore",
      keystore,
    );
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.deep.equal([
      `zkinfer: error: cannot decrypt the keystore ${keystore}: wrong password or not a JSON keystore`,
    ]);
    expect(r.stdout).to.equal("");
    expectNoSecret(r);
  });

  it("should ask for the password in the environment when there is no terminal to prompt on", async () => {
    const r = await zkinfer({}, "provider", "stake", "1", "--rpc", node.url, "--keystore", keystore);
    expect(r.code).to.equal(1);
    expect(errorLines(r.stderr)).to.deep.equal([
      "zkinfer: error: --keystore needs its password: set ZKINFER_KEYSTORE_PASSWORD (no terminal to ask it on)",
    ]);
  });

  it("should refuse a missing file and a file that is not a keystore, in one line each", async () => {
    const missing = path.join(dir, "nope.json");
    const r1 = await zkinfer(
      { ZKINFER_KEYSTORE_PASSWORD: PASSWORD },
      "deploy",
      "--rpc",
      node.url,
      "--keystore",
      missing,
    );
    expect(r1.code).to.equal(1);
    expect(errorLines(r1.stderr)).to.deep.equal([`zkinfer: error: --keystore file not found: ${missing}`]);

    const bogus = path.join(dir, "bogus.json");
    // A plain private key in a file is not a keystore, and must not be echoed back either.
    await writeFile(bogus, JSON.stringify({ privateKey: owner.privateKey }));
    const r2 = await zkinfer({ ZKINFER_KEYSTORE_PASSWORD: PASSWORD }, "deploy", "--rpc", node.url, "--keystore", bogus);
    expect(r2.code).to.equal(1);
    expect(errorLines(r2.stderr)).to.deep.equal([
      `zkinfer: error: cannot decrypt the keystore ${bogus}: wrong password or not a JSON keystore`,
    ]);
    expectNoSecret(r2);
  });
});
