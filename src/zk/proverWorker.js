// Child process for Groth16 proving (see prover.ts). Plain JavaScript so that it starts the same
// way under tsx, Hardhat's mocha and a compiled build. A process rather than a worker thread:
// ffjavascript's thread pool (web-worker) assumes it runs on a main thread. It keeps snarkjs's
// curve and threads warm between proofs; the zkey is re-read per proof, cheap next to the MSMs.
// With the native prover the parent asks for the witness bytes only ({witnessOnly: true}), proves
// natively, then asks this process to check the proof ({type: "verify"}) against the zkey's
// verification key (exported once per zkey file).
import { statSync } from "node:fs";
import * as snarkjs from "snarkjs";

const verificationKeys = new Map();

async function verificationKey(zkey) {
  const st = statSync(zkey);
  const key = `${zkey}:${st.size}:${st.mtimeMs}`;
  let vk = verificationKeys.get(key);
  if (!vk) {
    vk = await snarkjs.zKey.exportVerificationKey(zkey);
    verificationKeys.set(key, vk);
  }
  return vk;
}

const parentPort = {
  postMessage: (m) => process.send(m),
  on: (event, fn) => process.on(event, fn),
  close: () => process.disconnect(),
};

// The parent is gone (killed, crashed): nobody will read a proof, and snarkjs's threads would keep
// this process, and the memory of its zkey, alive as an orphan.
process.on("disconnect", () => process.exit(0));

parentPort.on("message", async (msg) => {
  if (msg.type === "close") {
    await globalThis.curve_bn128?.terminate();
    parentPort.postMessage({ id: msg.id, type: "closed" });
    parentPort.close();
    process.exit(0);
  }
  if (msg.type === "verify") {
    try {
      const vk = await verificationKey(msg.zkey);
      const ok = await snarkjs.groth16.verify(vk, msg.publicSignals, msg.proof);
      parentPort.postMessage({ id: msg.id, type: "verified", ok });
    } catch (err) {
      parentPort.postMessage({ id: msg.id, type: "error", stage: "verify", message: String(err?.message ?? err) });
    }
    return;
  }
  const { id, wasm, zkey, input } = msg;
  const t0 = performance.now();
  let witness;
  try {
    witness = { type: "mem" };
    await snarkjs.wtns.calculate(input, wasm, witness);
  } catch (err) {
    parentPort.postMessage({ id, type: "error", stage: "witness", message: String(err?.message ?? err) });
    return;
  }
  const t1 = performance.now();
  if (msg.witnessOnly) {
    parentPort.postMessage({ id, type: "witness", wtns: witness.data, witnessMs: t1 - t0 });
    return;
  }
  try {
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, witness);
    const t2 = performance.now();
    parentPort.postMessage({
      id,
      type: "proof",
      proof,
      publicSignals,
      witnessMs: t1 - t0,
      proveMs: t2 - t1,
    });
  } catch (err) {
    parentPort.postMessage({ id, type: "error", stage: "prove", message: String(err?.message ?? err) });
  }
});
