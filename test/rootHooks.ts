import { releaseSnarkjs } from "../src/zk/index.js";

// Root hook (Hardhat's mocha loads every file under test/): snarkjs keeps worker threads in
// `globalThis.curve_bn128`, which would keep the test process alive after the last test.
after(releaseSnarkjs);
