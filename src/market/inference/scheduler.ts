/**
 * The provider's scheduler, pure (no chain, no clock): what to prove next from a queue in
 * earliest-deadline-first order, which queued requests will miss their deadline, and how long a
 * proof of a circuit takes.
 *
 * Deadlines: the agent declines (`decline`: the consumer is refunded, nothing is slashed) a
 * request it cannot finish in time instead of proving uselessly, and never sends a transaction
 * that would be mined after the deadline. "In time" means
 *
 *     deadline − (earliest next block time) ≥ estimate × safetyFactor + submitSeconds
 *
 * where the estimate is the slowest of the last 5 measured proofs of that circuit (persisted in
 * `<state>/timings.json`, so a restart keeps them), or before any measurement a prior of
 * 1 s + 0.1 ms per constraint; safetyFactor defaults to 1.5 and submitSeconds (signing, sending,
 * mining) to 10. Requests queued behind other work are judged with the time that work will take
 * (earliest deadline first over the prover slots), so a request that would miss its deadline
 * waiting in the queue is declined while it still can be.
 *
 * Batching: a model served with batch circuits (a verifier registered for batch size k) is proved
 * k requests at a time with `fulfillBatch` when at least k of its requests are queued and the
 * earliest of their deadlines leaves time for the batch proof; otherwise one by one.
 */
export const byId = (a: { requestId: bigint }, b: { requestId: bigint }) =>
  a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0;
export const byDeadline = (a: { deadline: bigint; requestId: bigint }, b: { deadline: bigint; requestId: bigint }) =>
  a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : byId(a, b);

export interface QueuedRequest {
  requestId: bigint;
  modelId: string;
  deadline: bigint;
}

export interface PlanContext {
  /** Seconds: the earliest timestamp the next block can have. */
  now: bigint;
  /** Seconds a proof of `size` requests of the model occupies a prover (estimate × safety factor). */
  proveSeconds(modelId: string, size: number): number;
  /** Seconds allowed after the proof for sending and mining (plus any extra margin). */
  submitSeconds: number;
  /** Sizes (> 1) of the model's registered batch circuits. */
  batchSizes(modelId: string): readonly number[];
}

export type Work<J extends QueuedRequest = QueuedRequest> =
  | { kind: "prove"; requests: J[] }
  | { kind: "decline"; request: J; reason: string }
  | { kind: "expired"; request: J };

/**
 * What to do next with a queue in earliest-deadline-first order: the head's model's largest batch
 * that has enough queued requests and time (the head plus that model's next most urgent ones, in
 * ascending id order as `fulfillBatch` requires); else the head alone if it can finish in time;
 * else decline the head; a head past its deadline is expired (it can be neither proved nor
 * declined).
 */
export function planNext<J extends QueuedRequest>(queue: readonly J[], ctx: PlanContext): Work<J> | null {
  const head = queue[0];
  if (!head) return null;
  if (ctx.now > head.deadline) return { kind: "expired", request: head };
  const left = Number(head.deadline - ctx.now);
  const same = queue.filter((q) => q.modelId === head.modelId);
  const sizes = [...ctx.batchSizes(head.modelId)].filter((k) => k > 1).sort((a, b) => b - a);
  for (const k of sizes) {
    if (same.length < k) continue;
    const group = same.slice(0, k);
    const need = ctx.proveSeconds(head.modelId, k) + ctx.submitSeconds;
    if (group.every((q) => Number(q.deadline - ctx.now) >= need)) return { kind: "prove", requests: group.sort(byId) };
  }
  const need = ctx.proveSeconds(head.modelId, 1) + ctx.submitSeconds;
  if (left < need) {
    return {
      kind: "decline",
      request: head,
      reason: `cannot finish before its deadline: ${left} s left, needs about ${Math.ceil(need)} s`,
    };
  }
  return { kind: "prove", requests: [head] };
}

/**
 * Requests in the queue that will miss their deadline waiting for the work ahead of them:
 * simulates earliest-deadline-first over the prover slots, each free after `busySeconds[i]`,
 * with one proof per request (batches only make it faster). A request is dropped from the
 * simulation once found late, so it does not delay the others.
 */
export function lateRequests<J extends QueuedRequest>(
  queue: readonly J[],
  ctx: PlanContext,
  busySeconds: readonly number[],
): { request: J; reason: string }[] {
  const slots = busySeconds.length > 0 ? [...busySeconds] : [0];
  const late: { request: J; reason: string }[] = [];
  for (const q of queue) {
    if (ctx.now > q.deadline) continue; // expired: nothing to do about it
    let i = 0;
    for (let j = 1; j < slots.length; j++) if (slots[j]! < slots[i]!) i = j;
    const start = slots[i]!;
    const prove = ctx.proveSeconds(q.modelId, 1);
    const left = Number(q.deadline - ctx.now);
    if (start + prove + ctx.submitSeconds > left) {
      late.push({
        request: q,
        reason: `cannot finish before its deadline: ${left} s left, needs about ${Math.ceil(start + prove + ctx.submitSeconds)} s with the work queued ahead`,
      });
      continue;
    }
    slots[i] = start + prove;
  }
  return late;
}

/**
 * Proving times per circuit (keyed by zkey hash): the slowest of the last `window` measured
 * proofs, or a prior from the constraint count before any measurement.
 */
export class ProveTimeEstimator {
  private readonly samples = new Map<string, number[]>();

  constructor(
    readonly window = 5,
    readonly initialSeconds?: number,
  ) {}

  record(key: string, ms: number): void {
    const s = this.samples.get(key) ?? [];
    s.push(ms);
    while (s.length > 2 * this.window) s.shift();
    this.samples.set(key, s);
  }

  /** Seconds one proof of this circuit takes (unscaled). */
  estimateSeconds(key: string, constraints: number): number {
    const s = this.samples.get(key);
    if (s && s.length > 0) return Math.max(...s.slice(-this.window)) / 1000;
    return this.initialSeconds ?? 1 + constraints * 1e-4;
  }

  measured(key: string): boolean {
    return (this.samples.get(key)?.length ?? 0) > 0;
  }

  toJSON(): Record<string, number[]> {
    return Object.fromEntries(this.samples);
  }

  load(json: unknown): void {
    if (!json || typeof json !== "object") return;
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0))
        this.samples.set(k, (v as number[]).slice(-2 * this.window));
    }
  }
}
