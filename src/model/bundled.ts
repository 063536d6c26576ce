import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the bundled float models live (`models/` at the project root). Computed here once; every
 * tool (the registry in src/circuit/registry.ts, the trainer, the reports) takes it from here.
 */
export const MODELS_DIR = fileURLToPath(new URL("../../models", import.meta.url));

/** The absolute path of a bundled model file (`mnist-mlp.json` → `<root>/models/mnist-mlp.json`). */
export function bundledModelFile(file: string): string {
  return path.join(MODELS_DIR, file);
}
