import { createRequire } from "node:module";
import type { HardhatUserConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";

const require = createRequire(import.meta.url);

// Compile with the solc that npm installed (pinned exactly in package.json): Hardhat would
// otherwise try to download a compiler build, which fails offline. Hardhat does not check that
// the binary at `path` is `version`, so the version is read from the same package.
const solcVersion: string = require("solc/package.json").version;
const solcPath: string = require.resolve("solc/soljson.js");

const config: HardhatUserConfig = {
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    compilers: [
      {
        version: solcVersion,
        path: solcPath,
        settings: {
          optimizer: { enabled: true, runs: 10_000 },
          evmVersion: "cancun",
        },
      },
    ],
    // The dataset markets are mostly called once per challenge or request: optimised for size,
    // they stay under the 24 KiB code size limit (EIP-170).
    overrides: Object.fromEntries(
      [
        "contracts/AccuracyMarket.sol",
        "contracts/RetrievalMarket.sol",
        // Solidity tests compile what they deploy with their own settings: the same here.
        "contracts/test/AccuracyMarket.invariants.t.sol",
        "contracts/test/RetrievalMarket.invariants.t.sol",
      ].map((file) => [
        file,
        {
          version: solcVersion,
          path: solcPath,
          settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
        },
      ]),
    ),
  },
  paths: {
    tests: {
      mocha: "test",
      solidity: "contracts/test",
    },
  },
  test: {
    mocha: {
      timeout: 600_000,
    },
    solidity: {
      // Invariant and fuzz campaigns (contracts/test/*.t.sol) run with a fixed seed so a failure
      // reproduces; raise the runs with INVARIANT_RUNS / FUZZ_RUNS for a deeper search.
      fuzz: { runs: Number(process.env.FUZZ_RUNS ?? 1000), seed: process.env.FUZZ_SEED ?? "0x7a6b696e666572" },
      invariant: { runs: Number(process.env.INVARIANT_RUNS ?? 1000) },
    },
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
  },
};

export default config;
