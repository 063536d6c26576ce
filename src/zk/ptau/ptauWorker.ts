/**
 * The dev generators' worker side, as seen from the main thread: the job a devPtauWorker.js
 * thread computes (`WorkerJob`), the window width it uses (`chooseWindow`), and `PtauWorker`,
 * one such thread serving one job at a time. Split out of devPtau.ts, which re-exports these
 * names.
 */
import { Worker } from "node:worker_threads";

export type Group = 1 | 2;

/** Most points in one worker job. */
export const MAX_CHUNK = 1 << 14;

interface JobConsts {
  [name: string]: bigint;
}

/**
 * One chunk of fixed-base multiplications for a worker (devPtauWorker.js): the generator of
 * `group` times n scalars, given by a rule ("powers", "lagrange": see the worker) or listed
 * ("scalars": n Fr elements in Montgomery form, 32 bytes each, transferred to the worker).
 */
export interface WorkerJob {
  group: Group;
  kind: "powers" | "lagrange" | "scalars";
  n: number;
  consts: JobConsts;
  scalars?: ArrayBuffer;
}

/**
 * Window width minimising the work of one worker: every worker builds the whole table
 * (floor(254/w)+1 windows of 2^(w−1) affine points, each by one batch-affine addition, counted
 * at 1.2 to cover the doublings and inversions between blocks) and then spends one addition per
 * window per point.
 */
export function chooseWindow(pointsPerWorker: number): number {
  const TABLE_ENTRY_COST = 1.2;
  let best = 2;
  let bestCost = Infinity;
  for (let w = 2; w <= 16; w++) {
    const cost = (Math.floor(254 / w) + 1) * (TABLE_ENTRY_COST * 2 ** (w - 1) + pointsPerWorker);
    if (cost < bestCost) {
      bestCost = cost;
      best = w;
    }
  }
  return best;
}

// ---- worker pool ------------------------------------------------------------------------------

interface WorkerReply {
  id?: number;
  ready?: boolean;
  buf?: ArrayBuffer;
  error?: string;
}

/** One devPtauWorker.js thread serving one job at a time. */
export class PtauWorker {
  private readonly worker: Worker;
  private pending: {
    id: number;
    resolve: (b: ArrayBuffer) => void;
    reject: (e: Error) => void;
  } | null = null;
  private nextId = 0;
  private failure: Error | null = null;
  readonly ready: Promise<void>;

  constructor(workerData: { code: Uint8Array; g1Gen: Uint8Array; g2Gen: Uint8Array; maxChunk: number }) {
    this.worker = new Worker(new URL("./devPtauWorker.js", import.meta.url), { workerData });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.worker.on("message", (msg: WorkerReply) => {
      if (msg.ready) {
        readyResolve();
        return;
      }
      const p = this.pending;
      if (!p || p.id !== msg.id) return;
      this.pending = null;
      if (msg.error !== undefined || !msg.buf) p.reject(new Error(`dev ptau worker failed: ${msg.error ?? "no data"}`));
      else p.resolve(msg.buf);
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      readyReject(err);
      this.pending?.reject(err);
      this.pending = null;
    };
    this.worker.on("error", (err) => fail(err instanceof Error ? err : new Error(String(err))));
    this.worker.on("exit", (code) => fail(new Error(`dev ptau worker exited (code ${code})`)));
  }

  /** Runs one job with window width `w`; resolves with the n affine points (LEM bytes). */
  run(job: WorkerJob, w: number): Promise<ArrayBuffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error("dev ptau worker busy"));
    const id = this.nextId++;
    return new Promise<ArrayBuffer>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      const msg = { id, group: job.group, kind: job.kind, n: job.n, consts: job.consts, w, scalars: job.scalars };
      this.worker.postMessage(msg, job.scalars ? [job.scalars] : []);
    });
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners("exit");
    const p = this.pending;
    this.pending = null;
    p?.reject(new Error("dev ptau worker terminated"));
    await this.worker.terminate();
  }
}
