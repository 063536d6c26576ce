import { expect } from "chai";
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import * as snarkjs from "snarkjs";

import { releaseSnarkjs } from "../../src/zk/index.js";
import {
  BullMqPool,
  PROOF_QUEUE,
  QueueError,
  jobIdOf,
  keyOfJobId,
  type QueueJobData,
  type QueueJobResult,
} from "../../src/zk/poolQueue.js";
import { ROOT, TEST_CACHE } from "../helpers/cache.js";
import { demoFixture, type DemoFixture } from "../helpers/demoProof.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { demoJob } from "../helpers/demoJobs.js";
import { startWorker, type WorkerProcess } from "../helpers/workers.js";

const BIN = path.join(ROOT, "bin", "zkinfer.js");

const proved = (w: WorkerProcess) => w.lines.filter((l) => / proved /.test(l));

describe("# BullMqPool and zkinfer worker (real redis-server)", function () {
  let redis: RedisServer;
  let f: DemoFixture;
  let pool: BullMqPool;
  let proofs: Queue;
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: null });
    clients.push(c);
    return c;
  };
  const workers: WorkerProcess[] = [];

  before(async function () {
    redis = await startRedis();
    f = await demoFixture();
    pool = await BullMqPool.connect(redis.url, { attempts: 3, backoffMs: 200, pollMs: 100 });
    proofs = new Queue(PROOF_QUEUE, { connection: client() });
  });
  after(async function () {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await pool?.close();
    await proofs?.close();
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });
  after(releaseSnarkjs);

  it("should name a job by its key (ids escape ':' one-to-one)", function () {
    for (const key of ["12:3", "a%3Ab", "%", "x"]) expect(keyOfJobId(jobIdOf(key))).to.equal(key);
    expect(jobIdOf("a:b")).to.not.equal(jobIdOf("a%3Ab"));
  });

  it("should refuse a bad queue URL and an unreachable Redis in one line", async function () {
    // The next tests' two workers start meanwhile (a CLI takes seconds to start).
    workers.push(startWorker(redis.url), startWorker(redis.url));
    const run = promisify(execFile);
    const cli = async (...args: string[]) =>
      run(process.execPath, [BIN, "--cache", TEST_CACHE, ...args], { cwd: ROOT }).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    expect(() => new BullMqPool("http://127.0.0.1:6379")).to.throw(
      QueueError,
      'invalid --queue: expected a redis:// or rediss:// URL, got "http://127.0.0.1:6379"',
    );
    // Nothing listens on port 9: the worker and `provider serve --queue` say so before anything else.
    const downs = await Promise.all([
      cli("worker", "--queue", "redis://127.0.0.1:9"),
      cli("provider", "serve", "--queue", "redis://127.0.0.1:9", "--rpc", "http://127.0.0.1:9"),
    ]);
    for (const down of downs) {
      expect(down.code).to.equal(1);
      expect(down.stderr.trim().split("\n"), down.stderr).to.have.length(1);
      expect(down.stderr.trim()).to.match(
        /^zkinfer: error: cannot reach Redis at redis:\/\/127\.0\.0\.1:9 \(connect ECONNREFUSED 127\.0\.0\.1:9\): is redis-server running there\?$/,
      );
    }
    const err = await BullMqPool.connect("redis://127.0.0.1:9").catch((e: unknown) => e);
    expect(err).to.be.instanceOf(QueueError);
    expect((err as QueueError).code).to.equal("UNREACHABLE");
  });

  it("should prove a flow on two workers, one SIGKILLed mid-proof: every job proven once (case 57)", async function () {
    const [a, b] = workers as [WorkerProcess, WorkerProcess];
    await Promise.all([a.waitFor(/ready, taking proof jobs/), b.waitFor(/ready, taking proof jobs/)]);
    const jobs = [0, 1, 2, 3, 4, 5].map((i) => ({
      ...demoJob(f, `q:req7:${i}`, i, 700n + BigInt(i)),
      label: `request 7 shard ${i}`,
    }));
    const progress: number[] = [];
    const all = pool.proveAll(jobs, (done) => progress.push(done));
    // Worker A's first job: killed as soon as it says it is proving it (its prover is not even up).
    const line = await a.waitFor(/proving request 7 shard \d/);
    a.child.kill("SIGKILL");
    const killedShard = Number(/shard (\d)/.exec(line)![1]);
    const results = await all;
    expect(progress).to.deep.equal([1, 2, 3, 4, 5, 6]);
    for (const [i, r] of results.entries()) {
      expect(r.publicSignals).to.deep.equal(jobs[i]!.expected);
      expect(await snarkjs.groth16.verify(f.verificationKey as never, r.publicSignals, r.proof as never)).to.equal(
        true,
      );
    }
    expect(proved(a)).to.have.length(0);
    expect(b.lines.some((l) => l.includes(`the worker proving q:req7:${killedShard} went silent`))).to.equal(true);
    expect(proved(b)).to.have.length(6);
    for (const [i, job] of jobs.entries()) {
      const j = (await proofs.getJob(jobIdOf(job.key)))!;
      expect(await j.getState()).to.equal("completed");
      expect((j.returnvalue as QueueJobResult).worker).to.equal(`${os.hostname()}/${b.child.pid}`);
      // The killed worker's job was started twice (stalled, then given to B), every other once.
      expect(j.attemptsStarted, `attempts of shard ${i}`).to.equal(i === killedShard ? 2 : 1);
      expect(j.stalledCounter).to.equal(i === killedShard ? 1 : 0);
      expect(j.attemptsMade, "one finished attempt each, none failed").to.equal(1);
    }
  });

  it("should not prove a finished key again, and refuse a key replayed with another input (case 59)", async function () {
    const b = workers[1]!;
    const before = b.lines.length;
    const jobs = [0, 1].map((i) => demoJob(f, `q:req7:${i}`, i, 700n + BigInt(i)));
    const [first] = await pool.proveAll([jobs[0]!, jobs[0]!, jobs[1]!]);
    expect(b.lines.slice(before).filter((l) => /proving/.test(l))).to.deep.equal([]);
    const stored = (await proofs.getJob(jobIdOf(jobs[0]!.key)))!.returnvalue as QueueJobResult;
    expect(first!.proof).to.deep.equal(stored.proof);
    const replay = demoJob(f, "q:req7:0", 3, 9999n);
    const err = await pool.proveAll([replay]).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/job key q:req7:0: the queue holds it for another circuit or input/);
  });

  it("should refuse to prove with an artifact whose hash is not the job's (case 58)", async function () {
    await workers[1]!.stop();
    const dir = await mkdtemp(path.join(os.tmpdir(), "zkinfer-artifacts-"));
    try {
      // The operator's copy: the right wasm, a zkey with one byte changed (same name, same size).
      await copyFile(f.compiled.wasm, path.join(dir, path.basename(f.compiled.wasm)));
      const zkey = await readFile(f.setup.zkey);
      zkey[zkey.length - 100] = zkey[zkey.length - 100]! ^ 1;
      await writeFile(path.join(dir, path.basename(f.setup.zkey)), zkey);
      const c = startWorker(redis.url, "--artifacts", dir);
      workers.push(c);
      await c.waitFor(/ready, taking proof jobs/);
      const err = await pool.proveAll([demoJob(f, "q:tampered", 2, 802n)]).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(QueueError);
      expect((err as Error).message).to.match(
        /^proving q:tampered failed after 3 attempt\(s\): refusing to prove: zkey .*DemoLinear\.zkey has sha256 [0-9a-f]{16}… but the job needs [0-9a-f]{16}… \(a tampered or different artifact\)/,
      );
      expect(proved(c)).to.have.length(0);
      await c.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("should not hand back a wrong or replayed proof from a worker (case 57)", async function () {
    expect(workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)).to.equal(true);
    // A lying worker: answers every job with the fixture's proof, valid but for another request.
    const liar = new Worker<QueueJobData, QueueJobResult>(PROOF_QUEUE, async () => ({ ...f.proof, worker: "liar/1" }), {
      connection: client(),
    });
    try {
      const job = demoJob(f, "q:liar", 1, 501n);
      const err = await pool.proveAll([job]).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(QueueError);
      expect((err as QueueError).code).to.equal("BAD_RESULT");
      expect((err as Error).message).to.match(/^worker liar\/1 returned a proof for q:liar that does not verify/);
      // The bad result is gone from Redis: the next try proves the key again.
      expect(await proofs.getJob(jobIdOf(job.key))).to.equal(undefined);
    } finally {
      await liar.close();
    }
  });
});
