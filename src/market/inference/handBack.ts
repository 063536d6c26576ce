/**
 * The agent's hand-back when it stops: the proofs in flight get until the hand-back timeout (or
 * a second signal) to finish; after that they are abandoned and their requests stay Open on chain
 * for the next start, each reported once.
 */
export class HandBack {
  /** Why the proofs in flight were abandoned; false while they may still finish. */
  abandoning: string | false = false;
  readonly leftOpen: bigint[] = [];
  private cut?: () => void;

  constructor(private readonly report: (requestId: bigint, reason: string) => void) {}

  /** Hands back at once (a second signal) if `wait` is waiting. */
  now(): void {
    this.cut?.();
  }

  /** Waits for `done` at most `ms`; true (and abandoning) if it had to give up on it. */
  async wait(done: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let cut = false;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), ms);
        this.cut = () => {
          cut = true;
          r(true);
        };
      }),
    ]);
    clearTimeout(timer);
    if (timedOut)
      this.abandoning = cut
        ? "a second signal handed it back"
        : `its proof did not finish within the ${(ms / 1000).toFixed(0)} s hand-back timeout`;
    return timedOut;
  }

  /** Records a request left Open on chain for the next start (once per request). */
  leaveOpen(requestId: bigint): void {
    if (this.leftOpen.includes(requestId)) return;
    this.leftOpen.push(requestId);
    this.report(requestId, this.abandoning || "the agent stopped");
  }
}
