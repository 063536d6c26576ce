import { createRequire } from "node:module";
import { configVariable, type HardhatUserConfig } from "hardhat/config";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import hardhatVerify from "@nomicfoundation/hardhat-verify";

const require = createRequire(import.meta.url);

// Compile with the solc that npm installed (pinned exactly in package.json): Hardhat would
// otherwise try to download a compiler build, which fails offline. Hardhat does not check that
// the binary at `path` is `version`, so the version is read from the same package.
const solcVersion: string = require("solc/package.json").version;
const solcPath: string = require.resolve("solc/soljson.js");

const config: HardhatUserConfig = {
  // The toolbox already brings hardhat-verify; it is listed (and pinned in package.json) because
  // `npx hardhat verify` is part of deploying for real (README, "Deploying for real").
  plugins: [hardhatToolboxMochaEthers, hardhatVerify],
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
    // A public test network. Read from the environment only when a command uses this network:
    // SEPOLIA_RPC_URL (an RPC provider's endpoint) and ZKINFER_PRIVATE_KEY (the deployer's key,
    // the same variable the zkinfer CLI reads).
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("ZKINFER_PRIVATE_KEY")],
    },
  },
  // Source verification on a block explorer: `npx hardhat verify --network sepolia <address> <args…>`
  // (Etherscan needs ETHERSCAN_API_KEY, read only when verifying; Sourcify needs no key).
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
};

export default config;
