import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { writeFileAtomic } from "../util/fs.js";
import { DatasetError } from "./errors.js";
import { commitDataset, type DatasetCommitment, type DatasetItem } from "./tree.js";

/**
 * The file a data holder reveals to a provider (by path or file:// URL; any transport that
 * delivers the bytes works, the root is what counts):
 *   { "format": "zkinfer-dataset/1", "depth": 10, "items": [{ "pixels": "<hex>", "label": 7 }, …] }
 */
export const DATASET_FORMAT = "zkinfer-dataset/1";

interface DatasetFile {
  format: string;
  depth: number;
  items: { pixels: string; label: number }[];
}

export async function writeDatasetFile(file: string, items: readonly DatasetItem[], depth: number): Promise<void> {
  const body: DatasetFile = {
    format: DATASET_FORMAT,
    depth,
    items: items.map((it) => ({ pixels: Buffer.from(Uint8Array.from(it.pixels)).toString("hex"), label: it.label })),
  };
  await writeFileAtomic(path.resolve(file), JSON.stringify(body));
}

export interface LoadedDataset extends DatasetCommitment {
  items: DatasetItem[];
}

/** Reads a data set file (path or file:// URL) and commits to it; throws BAD_DATASET naming the problem. */
export async function readDatasetFile(uri: string): Promise<LoadedDataset> {
  const file = uri.startsWith("file://") ? fileURLToPath(uri) : uri;
  let body: DatasetFile;
  try {
    body = JSON.parse(await readFile(file, "utf8")) as DatasetFile;
  } catch (e) {
    throw new DatasetError("BAD_DATASET", `cannot read the data set at ${uri}: ${(e as Error).message}`, { cause: e });
  }
  if (body?.format !== DATASET_FORMAT || !Array.isArray(body.items) || !Number.isInteger(body.depth))
    throw new DatasetError("BAD_DATASET", `${uri} is not a ${DATASET_FORMAT} file`);
  const items: DatasetItem[] = body.items.map((it, i) => {
    if (typeof it?.pixels !== "string" || !/^([0-9a-f]{2})*$/i.test(it.pixels))
      throw new DatasetError("BAD_DATASET", `${uri}: items[${i}].pixels is not a hex string`);
    return { pixels: Array.from(Buffer.from(it.pixels, "hex")), label: it.label };
  });
  return { ...commitDataset(items, body.depth), items };
}
