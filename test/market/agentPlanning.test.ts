import { expect } from "chai";

import {
  ProveTimeEstimator,
  lateRequests,
  planNext,
  type PlanContext,
  type QueuedRequest,
} from "../../src/market/index.js";

const A = "0xaa";
const B = "0xbb";

/** A queue in earliest-deadline-first order, as the agent keeps it. */
function queue(...items: [id: number, model: string, deadline: number][]): QueuedRequest[] {
  return items
    .map(([id, modelId, deadline]) => ({ requestId: BigInt(id), modelId, deadline: BigInt(deadline) }))
    .sort((a, b) => Number(a.deadline - b.deadline) || Number(a.requestId - b.requestId));
}

function plan(over: Partial<PlanContext> & { batch?: Record<string, number[]>; prove?: number } = {}): PlanContext {
  return {
    now: 1_000n,
    // 10 s for one proof; a batch of k takes 4 s + 4 s per request (cheaper per request).
    proveSeconds: (_m, k) => (k === 1 ? (over.prove ?? 10) : 4 + 4 * k),
    submitSeconds: 10,
    batchSizes: (m) => over.batch?.[m] ?? [],
    ...over,
  };
}

const ids = (w: ReturnType<typeof planNext>) =>
  w?.kind === "prove" ? w.requests.map((r) => Number(r.requestId)) : w ? [Number(w.request.requestId)] : [];

describe("# planNext (the agent's next piece of work)", () => {
  it("should prove the request with the earliest deadline alone when the model has no batch circuit", () => {
    const w = planNext(queue([1, A, 2000], [2, A, 1500], [3, B, 1800]), plan());
    expect(w?.kind).to.equal("prove");
    expect(ids(w)).to.deep.equal([2]);
  });

  it("should not return work for an empty queue", () => {
    expect(planNext([], plan())).to.equal(null);
  });

  it("should decline a request whose deadline leaves less than proving × safety + submission", () => {
    // 15 s left; needs 10 (proof, safety included) + 10 (submission) = 20 s.
    const w = planNext(queue([7, A, 1015]), plan());
    expect(w?.kind).to.equal("decline");
    expect(ids(w)).to.deep.equal([7]);
    expect((w as { reason: string }).reason).to.equal("cannot finish before its deadline: 15 s left, needs about 20 s");
  });

  it("should prove a request whose deadline leaves exactly the time needed", () => {
    expect(planNext(queue([7, A, 1020]), plan())?.kind).to.equal("prove");
  });

  it("should call a request past its deadline expired (it can be neither proved nor declined)", () => {
    const w = planNext(queue([7, A, 999]), plan());
    expect(w?.kind).to.equal("expired");
  });

  it("should batch k requests of one model once k are queued, in ascending id order", () => {
    const q = queue([9, A, 2000], [4, A, 1900], [6, B, 1950], [5, A, 2100], [3, A, 2200]);
    const w = planNext(q, plan({ batch: { [A]: [2, 4] } }));
    expect(w?.kind).to.equal("prove");
    // The largest batch that fits: the 4 requests of model A, sorted by id for fulfillBatch.
    expect(ids(w)).to.deep.equal([3, 4, 5, 9]);
  });

  it("should take the most urgent requests of the model into a batch, not the first posted", () => {
    const q = queue([1, A, 3000], [2, A, 1500], [3, A, 1600]);
    expect(ids(planNext(q, plan({ batch: { [A]: [2] } })))).to.deep.equal([2, 3]);
  });

  it("should prove one by one while fewer than k requests of the model are queued", () => {
    const q = queue([1, A, 2000], [2, B, 2100], [3, B, 2200]);
    const w = planNext(q, plan({ batch: { [A]: [2] } }));
    expect(ids(w)).to.deep.equal([1]);
  });

  it("should fall back to a smaller batch, then a single proof, when the earliest deadline is too close", () => {
    const q = queue([1, A, 1025], [2, A, 2000], [3, A, 2000], [4, A, 2000]);
    const ctx = plan({ batch: { [A]: [2, 4] } });
    // A batch of 4 needs 20 + 10 = 30 s, of 2 needs 12 + 10 = 22 s; 25 s left: a batch of 2.
    expect(ids(planNext(q, ctx))).to.deep.equal([1, 2]);
    // 21 s left: no batch fits (22 s), one proof does (20 s).
    const tight = queue([1, A, 1021], [2, A, 2000], [3, A, 2000], [4, A, 2000]);
    expect(ids(planNext(tight, ctx))).to.deep.equal([1]);
  });

  it("should batch only the head's model", () => {
    const q = queue([1, B, 1500], [2, A, 2000], [3, A, 2000]);
    const w = planNext(q, plan({ batch: { [A]: [2] } }));
    expect(ids(w)).to.deep.equal([1]);
  });
});

describe("# lateRequests (requests that would miss their deadline waiting in the queue)", () => {
  it("should find the requests queued behind too much work and leave the others", () => {
    // One prover, 10 s per proof, 10 s to submit: finishing times 20, 30, 40, 50 s.
    const q = queue([1, A, 1020], [2, A, 1030], [3, A, 1035], [4, A, 1100]);
    const late = lateRequests(q, plan(), [0]);
    expect(late.map((l) => Number(l.request.requestId))).to.deep.equal([3]);
    expect(late[0]!.reason).to.equal(
      "cannot finish before its deadline: 35 s left, needs about 40 s with the work queued ahead",
    );
  });

  it("should count the proof in flight and use every prover slot", () => {
    const q = queue([1, A, 1025], [2, A, 1025]);
    // One slot busy for 10 more s: the second request cannot make it.
    expect(lateRequests(q, plan(), [10]).map((l) => Number(l.request.requestId))).to.deep.equal([1, 2]);
    expect(lateRequests(q, plan(), [0, 10]).map((l) => Number(l.request.requestId))).to.deep.equal([2]);
    expect(lateRequests(q, plan(), [0, 0])).to.deep.equal([]);
  });

  it("should ignore requests already past their deadline", () => {
    expect(lateRequests(queue([1, A, 900]), plan(), [0])).to.deep.equal([]);
  });
});

describe("# ProveTimeEstimator", () => {
  it("should use a prior of 1 s + 0.1 ms per constraint before any measurement", () => {
    const e = new ProveTimeEstimator();
    // (plain arithmetic: Hardhat's chai matchers take over closeTo for integers only)
    expect(Math.abs(e.estimateSeconds("k", 86_579) - 9.6579)).to.be.lessThan(1e-9);
    expect(e.measured("k")).to.equal(false);
    expect(new ProveTimeEstimator(5, 3).estimateSeconds("k", 86_579)).to.equal(3);
  });

  it("should take the slowest of the last 5 measured proofs", () => {
    const e = new ProveTimeEstimator();
    for (const ms of [9_000, 1_000, 2_000, 1_500, 1_200, 1_100]) e.record("k", ms);
    // 9 s has left the window of the last 5.
    expect(e.estimateSeconds("k", 86_579)).to.equal(2);
    e.record("k", 4_000);
    expect(e.estimateSeconds("k", 86_579)).to.equal(4);
    expect(e.estimateSeconds("other", 0)).to.equal(1);
  });

  it("should survive a restart through its JSON (and ignore garbage)", () => {
    const e = new ProveTimeEstimator();
    e.record("k", 3_000);
    const f = new ProveTimeEstimator();
    f.load(JSON.parse(JSON.stringify(e.toJSON())));
    f.load({ bad: ["x"], worse: null });
    f.load("nonsense");
    expect(f.estimateSeconds("k", 0)).to.equal(3);
    expect(f.measured("bad")).to.equal(false);
  });
});
