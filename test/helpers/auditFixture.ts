import { compileVerifier } from "../../src/chain/index.js";
import { commitmentOfPacked, flattenPacked, registryEntry } from "../../src/circuit/index.js";
import {
  commitDataset,
  compileAuditCircuit,
  type CompiledAuditCircuit,
  type DatasetItem,
} from "../../src/dataset/index.js";
import { loadMnist, quantizeFile, type QuantizedModel } from "../../src/model/index.js";
import { devSetup, type SetupArtifacts } from "../../src/zk/index.js";
import { TEST_CACHE } from "./cache.js";

/**
 * Once-per-run fixture of the dataset protocol tests: the bundled mnist-linear model (784 → 10,
 * ~89% on the test digits; its quantized artifact), its audit circuit (8 items per proof, depth 10: up to 1,024 items)
 * with a dev setup and its generated verifier, and the 1,000 MNIST test digits committed as a
 * data set. Everything is cached on disk by content hash.
 */
export const AUDIT_BATCH = 8;
export const AUDIT_DEPTH = 10;
export const MODEL_SALT = 0x5eed_5a17n;

export interface AuditFixture {
  qm: QuantizedModel;
  audit: CompiledAuditCircuit;
  setup: SetupArtifacts;
  verifier: { abi: unknown[]; bytecode: string; contractName: string };
  weightsCommitment: bigint;
  items: DatasetItem[];
  dataset: ReturnType<typeof commitDataset>;
}

let fixture: Promise<AuditFixture> | undefined;

export function auditFixture(): Promise<AuditFixture> {
  fixture ??= (async () => {
    const mnist = loadMnist();
    const entry = registryEntry("mnist-linear")!;
    const { model: qm } = await quantizeFile(entry.modelFile!, {
      calibration: entry.calibration!,
      cacheDir: TEST_CACHE,
    });
    const started = Date.now();
    const audit = await compileAuditCircuit(qm, { batch: AUDIT_BATCH, depth: AUDIT_DEPTH, cacheDir: TEST_CACHE });
    const setup = await devSetup({ compiled: audit.circuit, cacheDir: TEST_CACHE });
    const verifier = await compileVerifier(setup);
    console.log(
      `      [${audit.name}: ${audit.constraints} constraints, ready in ${((Date.now() - started) / 1000).toFixed(1)} s]`,
    );
    const items = mnist.test.map((s) => ({ pixels: s.pixels, label: s.label }));
    return {
      qm,
      audit,
      setup,
      verifier,
      weightsCommitment: commitmentOfPacked(flattenPacked(audit.packed), MODEL_SALT),
      items,
      dataset: commitDataset(items, AUDIT_DEPTH),
    };
  })();
  return fixture;
}
