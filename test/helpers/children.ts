/**
 * Every process a test starts (a `zkinfer` CLI, a `hardhat node`) is tracked here, and the root
 * hook kills whatever is still running after the last test. A process left behind by a failed
 * test holds the pipes the runner reads, and the runner would never exit (a CI run then ends at
 * its time limit instead of with the failure).
 */
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();

export function trackChild(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Kills every tracked process still running and closes its pipes; returns how many were left. */
export function killTrackedChildren(): number {
  const left = [...live];
  for (const child of left) {
    child.kill("SIGKILL");
    child.stdout?.destroy();
    child.stderr?.destroy();
    live.delete(child);
  }
  return left.length;
}
