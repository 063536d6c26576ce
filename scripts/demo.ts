/**
 * `npm run demo`: the spine of zkinfer end to end on the in-process Hardhat chain —
 * compile a circuit → dev trusted setup → prove an inference → deploy the generated verifier →
 * verify the proof on-chain, with its gas.
 */
import { readFile } from "node:fs/promises";
import { network } from "hardhat";

import { compileSolidity } from "../src/chain/solc.js";
import { DEMO_LINEAR_CIRCUIT, demoLinearInput } from "../src/circuit/demoLinear.js";
import { progress } from "../src/util/progress.js";
import {
  compileCircuit,
  defaultCacheDir,
  devSetup,
  packProof,
  Prover,
  releaseSnarkjs,
  renderVerifier,
  verifierArgs,
  verifyProof,
} from "../src/zk/index.js";

async function main(): Promise<void> {
  const say = progress(process.stdout);
  const cacheDir = defaultCacheDir();

  say("1/5 compile: circuits/demo/DemoLinear.circom (4-input linear model, private weights committed by Poseidon)");
  const compiled = await compileCircuit({ circuit: DEMO_LINEAR_CIRCUIT, cacheDir, onProgress: say });

  say("2/5 setup: dev trusted setup (INSECURE known secret — local chains only)");
  const setup = await devSetup({ compiled, cacheDir, onProgress: say });

  const request = { weights: [3n, -2n, 5n, 1n], salt: 0x5a17n, x: [10n, 20n, 30n, 40n], binding: 1n };
  const { input, result } = demoLinearInput(request);
  say(`3/5 prove: input x = [${request.x.join(", ")}], private weights → result ${result}`);
  const prover = new Prover();
  const proof = await prover.prove({ wasm: compiled.wasm, zkey: setup.zkey, input }).finally(() => prover.close());
  say(`    witness ${proof.witnessMs.toFixed(0)} ms, Groth16 proof ${proof.proveMs.toFixed(0)} ms`);
  const vkey = JSON.parse(await readFile(setup.verificationKey, "utf8")) as object;
  const offChain = await verifyProof(vkey, proof.publicSignals, proof.proof);
  say(`    verified off-chain: ${offChain}`);

  say("4/5 deploy: the generated verifier on the in-process Hardhat chain");
  const { contractName, source } = await renderVerifier(setup);
  const artifact = compileSolidity(`${contractName}.sol`, source, contractName);
  const { ethers } = await network.getOrCreate();
  const [deployer] = await ethers.getSigners();
  const factory = new ethers.ContractFactory(artifact.abi as never, artifact.bytecode, deployer);
  const verifier = await factory.deploy();
  const deployReceipt = await verifier.deploymentTransaction()!.wait();
  say(`    ${contractName} at ${await verifier.getAddress()} (deploy gas ${deployReceipt!.gasUsed})`);

  say("5/5 verify on-chain");
  const args = verifierArgs(packProof(proof.proof), proof.publicSignals);
  const onChain = (await verifier.getFunction("verifyProof").staticCall(...args)) as boolean;
  const gas = await ethers.provider.estimateGas({
    to: await verifier.getAddress(),
    data: verifier.interface.encodeFunctionData("verifyProof", args),
  });
  const tampered = [...args.slice(0, 3), args[3].map((s, i) => (i === 2 ? s + 1n : s))] as typeof args;
  const rejected = !((await verifier.getFunction("verifyProof").staticCall(...tampered)) as boolean);

  console.log("");
  console.log(
    `  circuit            ${compiled.name}: ${compiled.info.constraints} constraints, ${compiled.info.publicSignals} public signals`,
  );
  console.log(
    `  setup              ${setup.manifest.mode}${setup.manifest.insecure ? " (INSECURE)" : ""}, zkey ${setup.manifest.zkeySha256.slice(0, 16)}…`,
  );
  console.log(`  public signals     [weightsCommitment, binding, result, inputCommitment]`);
  console.log(`  result             ${result}`);
  console.log(`  verified off-chain ${offChain}`);
  console.log(`  verified on-chain  ${onChain}  (verifyProof gas ${gas}, whole call incl. 21k base)`);
  console.log(`  tampered result    ${rejected ? "rejected" : "ACCEPTED (bug!)"}`);
  await releaseSnarkjs();
  if (!offChain || !onChain || !rejected) process.exitCode = 1;
}

await main();
