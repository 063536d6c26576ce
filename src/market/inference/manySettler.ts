/**
 * Settles the provider agent's single-request proofs of one model together when several are
 * proven close together: one `fulfillMany` (k proofs of the batch-size-1 circuit checked with one
 * randomized pairing product, k + 3 pairings instead of 4k: about 122k gas per proof at k = 4 and
 * 80k at k = 16 against 271k for `fulfill`), falling back to `fulfill` one by one.
 *
 * A proof is held while more single proofs of its model are on their way (queued or being proved)
 * and its deadline leaves room for one more proof and the submission; otherwise the held proofs
 * go out at once: alone with `fulfill`, together with `fulfillMany`. Every hold is re-checked on
 * each arrival and on a timer, so a held proof never waits past the point where it could still be
 * sent in time, and none is held once the agent stops taking work. Batch-circuit proofs
 * (several requests in one proof) are submitted as before (`fulfillBatch`).
 */
import type { ProvingModel } from "../model.js";
import type { CachedProof } from "./proofCache.js";
import type { SubmitJob, Submitter } from "./submitter.js";

/**
 * The agent's answer to "may proofs of `modelId` whose earliest deadline is `deadline` wait?":
 * true while more single proofs of the model are on their way (queued or being proved), the agent
 * is not stopping, and the deadline leaves room for one more proof and the submission.
 */
export type CanHold = (modelId: string, deadline: bigint) => boolean;

interface Held {
  job: SubmitJob;
  proof: CachedProof;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The most proofs one `fulfillMany` carries (its calldata grows by 352 bytes per proof). */
export const MAX_MANY = 16;

export class ManySettler {
  private readonly held = new Map<string, { model: ProvingModel; items: Held[] }>();
  private timer: NodeJS.Timeout | undefined;
  /** Submissions handed to `submit` and not finished yet (held, being sent, or mined). */
  open = 0;

  constructor(
    private readonly submitter: Submitter,
    private readonly canHold: CanHold,
    private readonly recheckMs = 250,
  ) {}

  /**
   * Submits the proof of `jobs`: a batch proof at once, a single one when it is due (see the
   * module's comment). Resolves once its request is settled (or skipped), as `Submitter.submit`.
   */
  submit(jobs: SubmitJob[], proof: CachedProof, model: ProvingModel, modelId: string): Promise<void> {
    this.open++;
    const done =
      jobs.length !== 1
        ? this.submitter.submit(jobs, proof, model)
        : new Promise<void>((resolve, reject) => {
            const entry = this.held.get(modelId) ?? { model, items: [] };
            entry.items.push({ job: jobs[0]!, proof, resolve, reject });
            this.held.set(modelId, entry);
            this.flushIfDue(modelId);
          });
    return done.finally(() => this.open--);
  }

  /** While proofs are held, their holds are checked again every `recheckMs` (no timer otherwise). */
  private recheck(): void {
    this.timer = undefined;
    for (const modelId of [...this.held.keys()]) this.flushIfDue(modelId);
  }

  private flushIfDue(modelId: string): void {
    const entry = this.held.get(modelId);
    if (!entry || entry.items.length === 0) return;
    const earliest = entry.items.reduce(
      (m, h) => (h.job.deadline < m ? h.job.deadline : m),
      entry.items[0]!.job.deadline,
    );
    if (entry.items.length < MAX_MANY && this.canHold(modelId, earliest)) {
      this.timer ??= setTimeout(() => this.recheck(), this.recheckMs).unref();
    } else this.flush(modelId);
  }

  private flush(modelId: string): void {
    const entry = this.held.get(modelId);
    if (!entry) return;
    this.held.delete(modelId);
    void this.settle(entry.items, entry.model);
  }

  /** Together when two or more, else alone; those the market would refuse together, one by one. */
  private async settle(items: Held[], model: ProvingModel): Promise<void> {
    let alone = items;
    if (items.length > 1) {
      try {
        const left = await this.submitter.submitMany(items, model);
        for (const h of items) if (!left.includes(h)) h.resolve();
        alone = items.filter((h) => left.includes(h));
      } catch (err) {
        for (const h of items) h.reject(err);
        return;
      }
    }
    for (const h of alone) {
      try {
        await this.submitter.submit([h.job], h.proof, model);
        h.resolve();
      } catch (err) {
        h.reject(err);
      }
    }
  }
}
