import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as snarkjs from "snarkjs";

import { demoLinearInput } from "../../src/circuit/demoLinear.js";
import { EmbeddedPool, jobMemoryBytes, PROVER_BASE_BYTES, type PoolEvent } from "../../src/zk/poolEmbedded.js";
import { ZkError, releaseSnarkjs } from "../../src/zk/index.js";
import { ROOT } from "../helpers/cache.js";
import { trackChild } from "../helpers/children.js";
import { DEMO_REQUEST, demoFixture, type DemoFixture } from "../helpers/demoProof.js";
import { demoJob } from "../helpers/demoJobs.js";

/** True while a process with this id runs (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("# EmbeddedPool", function () {
  let f: DemoFixture;
  let pool: EmbeddedPool;
  const events: PoolEvent[] = [];

  before(async function () {
    f = await demoFixture();
    pool = new EmbeddedPool({ maxWorkers: 2, onEvent: (e) => events.push(e) });
  });
  after(async () => pool?.close());
  after(releaseSnarkjs);

  it("should prove several jobs on two prover processes at once, each proof what Prover gives", async function () {
    const jobs = [0, 1, 2, 3].map((i) => demoJob(f, `emb:${i}`, i, 900n + BigInt(i)));
    // The fixture's own proof (one Prover): the same statement proven by the pool must match it.
    const same = { ...demoJob(f, "emb:fixture", 0, DEMO_REQUEST.binding), input: demoLinearInput(DEMO_REQUEST).input };
    const progress: number[] = [];
    const results = await pool.proveAll([...jobs, same], (done) => progress.push(done));
    expect(progress).to.deep.equal([1, 2, 3, 4, 5]);
    for (const [i, r] of results.entries()) {
      const expected = i < jobs.length ? jobs[i]!.expected : f.proof.publicSignals;
      expect(r.publicSignals).to.deep.equal(expected);
      expect(await snarkjs.groth16.verify(f.verificationKey as never, r.publicSignals, r.proof as never)).to.equal(
        true,
      );
    }
    // Two jobs were running at the same time, on two different workers.
    let running = 0;
    let most = 0;
    for (const e of events) {
      if (e.type === "start") most = Math.max(most, ++running);
      if (e.type === "done") running--;
    }
    expect(most).to.equal(2);
    expect(new Set(events.filter((e) => e.type === "start").map((e) => e.worker))).to.deep.equal(new Set([0, 1]));
  });

  it("should retry on a fresh prover process the job whose process was killed mid-proof", async function () {
    const job = demoJob(f, "emb:killed", 5, 955n);
    let killed: number | undefined;
    const killer = new EmbeddedPool({
      maxWorkers: 1,
      onEvent: (e) => {
        // The prover process of this worker is up (warmed below): kill it as the job starts.
        if (e.type === "start" && e.key === job.key && e.attempt === 1) {
          killed = killer.workerPid(e.worker);
          process.kill(killed!, "SIGKILL");
        }
        seen.push(e);
      },
    });
    const seen: PoolEvent[] = [];
    try {
      await killer.proveAll([demoJob(f, "emb:warm", 6, 956n)]);
      const [r] = await killer.proveAll([job]);
      expect(killed).to.be.a("number");
      expect(killer.workerPid(0)).to.be.a("number").and.not.equal(killed);
      const mine = seen.filter((e) => e.key === job.key);
      expect(mine.map((e) => e.type)).to.deep.equal(["start", "retry", "start", "done"]);
      expect(r!.publicSignals).to.deep.equal(job.expected);
      expect(await snarkjs.groth16.verify(f.verificationKey as never, r!.publicSignals, r!.proof as never)).to.equal(
        true,
      );
    } finally {
      await killer.close();
    }
  });

  it("should not leave its prover process running when the pool's process is killed", async function () {
    // A process with a pool that has proven (its prover process is up), then SIGKILLed.
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-pool-"));
    const script = path.join(dir, "holder.mts");
    const job = demoJob(f, "emb:holder", 9, 999n);
    await writeFile(
      script,
      [
        `import { EmbeddedPool } from ${JSON.stringify(pathToFileURL(path.join(ROOT, "src/zk/poolEmbedded.ts")).href)};`,
        `const pool = new EmbeddedPool({ maxWorkers: 1, log: () => {} });`,
        `await pool.proveAll([${JSON.stringify(job, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}]);`,
        `console.log(pool.workerPid(0));`,
        `setInterval(() => {}, 1000);`,
      ].join("\n"),
    );
    try {
      const holder = trackChild(
        spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] }),
      );
      const proverPid = await new Promise<number>((resolve, reject) => {
        holder.stdout!.once("data", (b: Buffer) => resolve(Number(b.toString().trim())));
        holder.once("exit", (code) => reject(new Error(`the pool's process exited (code ${code})`)));
      });
      expect(alive(proverPid)).to.equal(true);
      holder.kill("SIGKILL");
      for (let i = 0; i < 50 && alive(proverPid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(proverPid), "the orphaned prover process").to.equal(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("should prove a key once, however often it is asked for in flight or after", async function () {
    const job = demoJob(f, "emb:dup", 7, 977n);
    const before = events.length;
    const [a, b] = await Promise.all([pool.proveAll([job, job]), pool.proveAll([job])]);
    const again = await pool.proveAll([job]);
    const starts = events.slice(before).filter((e) => e.type === "start" && e.key === job.key);
    expect(starts).to.have.length(1);
    expect(a[0]).to.equal(a[1]);
    expect(b[0]).to.equal(a[0]);
    expect(again[0]).to.equal(a[0]);
  });

  it("should not accept a key already used for another input", async function () {
    const other = demoJob(f, "emb:dup", 8, 978n);
    const err = await pool.proveAll([other]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ZkError);
    expect((err as ZkError).code).to.equal("BAD_ARGUMENT");
    expect((err as ZkError).message).to.match(/job key emb:dup: it was already used for another circuit or input/);
  });

  it("should bound the workers by memory (the native prover ~1.5× the zkey, snarkjs ~5×)", function () {
    const gib = 1024 ** 3;
    expect(jobMemoryBytes(gib, "native")).to.equal(1.5 * gib + PROVER_BASE_BYTES);
    expect(jobMemoryBytes(gib, "snarkjs")).to.equal(5 * gib + PROVER_BASE_BYTES);
    const small = new EmbeddedPool({ maxWorkers: 8, memoryBytes: 4 * gib, backend: "snarkjs" });
    expect(small.concurrencyFor(0.5 * gib)).to.equal(1); // 2.75 GiB a job
    expect(small.concurrencyFor(0.1 * gib)).to.equal(5); // 0.75 GiB a job
    expect(small.concurrencyFor(1)).to.equal(8); // the cores' (maxWorkers') bound
    expect(() => new EmbeddedPool({ maxWorkers: 0 })).to.throw(ZkError, /invalid maxWorkers/);
  });
});
