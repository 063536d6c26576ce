import { existsSync } from "node:fs";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";

import { BN254_R } from "./field.js";
import { ZkError } from "./errors.js";
import {
  describeBackend,
  proveNative,
  resolveProverBackend,
  type ProverBackend,
  type ProverChoice,
} from "./nativeProver.js";

/** A Groth16 proof as snarkjs writes it (decimal strings, projective coordinates). */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

export interface ProofResult {
  proof: Groth16Proof;
  /** Public signals in verifier order, as decimal strings. */
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
}

/** Circuit input: signal name → value (numbers, bigints, decimal strings, nested arrays). */
export type CircuitInput = Record<string, unknown>;

type WorkerReply = { id: number; type: string } & Record<string, unknown>;

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

export interface ProverOptions {
  /**
   * "native" (native/build/zkinfer-prover), "snarkjs", or "auto" (native when built). Default:
   * $ZKINFER_PROVER, else "auto".
   */
  backend?: ProverChoice;
  /** Where the one line saying which prover is used goes (default: stderr, once per process). */
  log?: (line: string) => void;
}

let announced = false;
function announceOnce(line: string): void {
  if (announced) return;
  announced = true;
  console.error(`zkinfer ${line}`);
}

/**
 * Proves in a long-lived child process, so the caller's event loop (an agent watching the chain,
 * a CLI drawing a progress bar) keeps running, a large circuit's memory stays out of the caller,
 * and snarkjs's curve and thread pool stay warm between proofs. Proofs are queued: the prover
 * proves one at a time, itself using every core for its multi-scalar multiplications.
 *
 * With the native prover (the default when it is built, see nativeProver.ts), the child computes
 * the witness, native/build/zkinfer-prover makes the proof from the zkey and the witness bytes,
 * and the child checks the proof against the zkey's verification key before it is returned: a
 * corrupt zkey or a witness of another circuit gives a PROOF_INVALID error, never a proof that
 * does not verify.
 */
export class Prover {
  /** The backend this prover uses (resolved when it is made). */
  readonly backend: ProverBackend;
  private readonly choice: ProverChoice | undefined;
  private readonly log: ((line: string) => void) | undefined;
  private worker: ChildProcess | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: ProverOptions = {}) {
    this.choice = opts.backend;
    this.log = opts.log;
    this.backend = resolveProverBackend(opts.backend);
  }

  /** The prover process's id while it runs (it starts with the first proof), else undefined. */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  private start(): ChildProcess {
    if (this.worker) return this.worker;
    const worker = fork(fileURLToPath(new URL("./proverWorker.js", import.meta.url)), [], {
      serialization: "advanced",
      execArgv: [],
      // The circom witness runtime prints failed asserts itself; the error says it in one line.
      stdio: ["ignore", "ignore", "ignore", "ipc"],
    });
    worker.on("message", (msg: WorkerReply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === "error") {
        const stage = msg.stage as string;
        p.reject(
          new ZkError(
            stage === "witness" ? "WITNESS_FAILED" : "PROOF_INVALID",
            stage === "witness"
              ? `witness generation failed (the input does not satisfy the circuit): ${firstLine(msg.message as string)}`
              : `${stage === "verify" ? "checking the native proof failed" : "proving failed"}: ${firstLine(msg.message as string)}`,
          ),
        );
      } else {
        p.resolve(msg);
      }
    });
    worker.on("error", (err) => this.failAll(err));
    worker.on("exit", (code) => {
      this.worker = null;
      this.failAll(new ZkError("PROOF_INVALID", `prover process exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request(msg: Record<string, unknown>): Promise<WorkerReply> {
    const id = this.nextId++;
    const worker = this.start();
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.send({ ...msg, id });
    });
  }

  /** Computes the witness from `input` with the circuit's wasm, then a Groth16 proof. */
  prove(args: { wasm: string; zkey: string; input: CircuitInput }): Promise<ProofResult> {
    for (const [what, file] of [
      ["wasm", args.wasm],
      ["zkey", args.zkey],
    ] as const) {
      if (!existsSync(file)) throw new ZkError("BAD_ARGUMENT", `invalid ${what}: file not found: ${file}`);
    }
    const line = describeBackend(this.backend, this.choice);
    if (this.log) this.log(line);
    else announceOnce(line);
    const input = toJsonSafe(args.input);
    if (this.backend === "snarkjs") {
      return this.request({ wasm: args.wasm, zkey: args.zkey, input }) as unknown as Promise<ProofResult>;
    }
    // One native proof at a time (each uses every core), in the order asked.
    const run = this.queue.then(() => this.proveNative(args.wasm, args.zkey, input));
    this.queue = run.catch(() => {});
    return run;
  }

  private async proveNative(wasm: string, zkey: string, input: unknown): Promise<ProofResult> {
    const w = await this.request({ wasm, input, witnessOnly: true });
    const { proof, publicSignals, proveMs } = await proveNative({ zkey, witness: w.wtns as Uint8Array });
    const checked = await this.request({ type: "verify", zkey, proof, publicSignals });
    if (checked.ok !== true) {
      throw new ZkError(
        "PROOF_INVALID",
        "the native proof does not verify against the zkey's verification key (a corrupt zkey, or a zkey of another circuit)",
      );
    }
    return { proof, publicSignals, witnessMs: w.witnessMs as number, proveMs };
  }

  /** Stops the prover process (and snarkjs's threads inside it). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const id = this.nextId++;
    await new Promise<void>((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      worker.once("exit", () => resolve());
      worker.send({ type: "close", id });
    });
    this.worker = null;
  }
}

function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? s).trim();
}

/**
 * Circuit inputs as snarkjs expects them: decimal strings of field elements. Negative values
 * (int8 weights, say) become r − |v|, which is what the circuit's arithmetic means by them.
 */
function toJsonSafe(v: unknown): unknown {
  if (typeof v === "bigint") return (((v % BN254_R) + BN254_R) % BN254_R).toString();
  if (typeof v === "number" && Number.isInteger(v)) return toJsonSafe(BigInt(v));
  if (typeof v === "string" && /^-\d+$/.test(v)) return toJsonSafe(BigInt(v));
  if (Array.isArray(v)) return v.map(toJsonSafe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonSafe(x)]));
  return v;
}

/**
 * Computes only the witness (no proof): the fast way to check a circuit against its reference.
 * Returns the full witness vector (index 0 is the constant 1).
 */
export async function calculateWitness(wasm: string, input: CircuitInput): Promise<bigint[]> {
  const out = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  // The circom witness runtime prints failed asserts to the console itself; keep them out of the
  // caller's output (the thrown error carries the message).
  const { log, error } = console;
  console.log = () => {};
  console.error = () => {};
  try {
    await snarkjs.wtns.calculate(toJsonSafe(input) as never, wasm, out as never);
  } catch (err) {
    throw new ZkError(
      "WITNESS_FAILED",
      `witness generation failed (the input does not satisfy the circuit): ${firstLine(String((err as Error).message ?? err))}`,
    );
  } finally {
    console.log = log;
    console.error = error;
  }
  return parseWtns(out.data as Uint8Array);
}

/** Parses a .wtns buffer (iden3 binfile: section 1 header, section 2 values, 32-byte LE). */
export function parseWtns(data: Uint8Array): bigint[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  let n8 = 32;
  let count = 0;
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (type === 1) {
      n8 = buf.readUInt32LE(pos);
      count = buf.readUInt32LE(pos + 4 + n8);
    } else if (type === 2) {
      const values: bigint[] = new Array(count);
      for (let i = 0; i < count; i++) {
        let v = 0n;
        for (let b = n8 - 1; b >= 0; b--) v = (v << 8n) | BigInt(buf[pos + i * n8 + b] as number);
        values[i] = v;
      }
      return values;
    }
    pos += size;
  }
  throw new ZkError("WITNESS_FAILED", "witness buffer has no values section");
}

/** Verifies a proof off-chain against a verification key (the JSON snarkjs exports). */
export async function verifyProof(
  verificationKey: object,
  publicSignals: readonly (string | bigint)[],
  proof: Groth16Proof,
): Promise<boolean> {
  return snarkjs.groth16.verify(
    verificationKey as never,
    publicSignals.map((s) => s.toString()),
    proof as never,
  );
}

/** Stops the worker threads snarkjs keeps in `globalThis.curve_bn128` after in-process use. */
export async function releaseSnarkjs(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
  await g.curve_bn128?.terminate();
  delete g.curve_bn128;
}
