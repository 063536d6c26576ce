import { releaseSnarkjs } from "../src/zk/index.js";
import { killTrackedChildren } from "./helpers/children.js";

// Root hooks (Hardhat's mocha loads every file under test/). snarkjs keeps worker threads in
// `globalThis.curve_bn128`, and a process a failed test left running holds the runner's pipes:
// either would keep the test process alive after the last test.
after(releaseSnarkjs);
after(function () {
  const left = killTrackedChildren();
  if (left > 0) console.error(`test harness: killed ${left} process(es) a test left running`);
});
