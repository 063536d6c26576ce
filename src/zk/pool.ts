import { Prover, type CircuitInput, type ProofResult, type ProverOptions } from "./prover.js";

/**
 * One proof to make: a circuit (its wasm and zkey files, and the zkey's content hash, which names
 * the circuit to a worker on another machine) and an input. `key` is the job's idempotency key,
 * unique per piece of work (a sharded request uses `${requestId}:${shard}`): a pool proves a key
 * at most once at a time and a finished key is never proven again.
 */
export interface ProofJob {
  key: string;
  wasm: string;
  zkey: string;
  /** sha256 (hex) of the zkey file. */
  zkeyHash: string;
  input: CircuitInput;
  /**
   * The public signals the proof must have (verifier order, decimal strings), when the caller
   * knows them. A back end whose provers are not this process's own (the job queue) checks every
   * returned proof against them; without them it computes the witness here to learn them.
   */
  publicSignals?: readonly string[];
  /** Words for logs: "request 12 shard 3 (model mnist-cnn)". Default: the key. */
  label?: string;
}

/**
 * Where proofs are made. Every back end (the sequential default below, a pool of worker processes
 * on this machine, a job queue across machines) answers the same calls, so the provider's agent
 * does not know which one it has.
 */
export interface ProverPool {
  /** Proves every job, concurrently where the back end can; results in the order of `jobs`. */
  proveAll(jobs: readonly ProofJob[], onProgress?: (done: number, total: number) => void): Promise<ProofResult[]>;
  /** Releases processes and connections. */
  close(): Promise<void>;
}

/** The smallest pool: one prover process, one proof after another. */
export class SequentialPool implements ProverPool {
  private readonly prover: Prover;

  constructor(opts: ProverOptions = {}) {
    this.prover = new Prover(opts);
  }

  async proveAll(
    jobs: readonly ProofJob[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<ProofResult[]> {
    const results: ProofResult[] = [];
    for (const job of jobs) {
      results.push(await this.prover.prove({ wasm: job.wasm, zkey: job.zkey, input: job.input }));
      onProgress?.(results.length, jobs.length);
    }
    return results;
  }

  close(): Promise<void> {
    return this.prover.close();
  }
}
