import { expect } from "chai";
import hre from "hardhat";

/**
 * What "Deploying for real" in the README relies on: a public test network read from the
 * environment and block-explorer verification. Nothing here reaches a network (none is reachable
 * in CI): the config must load without the variables set, and name them when they are used.
 */
describe("# hardhat.config.ts (public network, verification)", () => {
  it("should define sepolia as an HTTP L1 network whose URL and key come from the environment", () => {
    const sepolia = hre.config.networks.sepolia;
    expect(sepolia, "networks.sepolia").to.not.equal(undefined);
    expect(sepolia!.type).to.equal("http");
    expect(sepolia!.chainType).to.equal("l1");
    // Configuration variables stay unresolved until a command connects to the network.
    expect(JSON.stringify(sepolia!.type === "http" ? sepolia!.url : null)).to.include("SEPOLIA_RPC_URL");
    expect(JSON.stringify(sepolia!.accounts)).to.include("ZKINFER_PRIVATE_KEY");
  });

  it("should say which variable is missing when the network is used without it", async function () {
    if (process.env.SEPOLIA_RPC_URL !== undefined) this.skip(); // set on purpose: nothing to check
    let caught: unknown;
    try {
      await hre.network.create("sepolia");
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.match(/SEPOLIA_RPC_URL/);
  });

  it("should register the verify task with Etherscan keyed from the environment", () => {
    expect(hre.tasks.getTask("verify"), "verify task").to.not.equal(undefined);
    expect(hre.tasks.getTask(["verify", "etherscan"]), "verify etherscan subtask").to.not.equal(undefined);
    expect(hre.config.verify.etherscan.enabled).to.equal(true);
    expect(JSON.stringify(hre.config.verify.etherscan.apiKey)).to.include("ETHERSCAN_API_KEY");
  });
});
