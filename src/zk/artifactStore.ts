/**
 * Circuit artifacts found by content: a worker on another machine is told a wasm's and a zkey's
 * sha256 (and their names and sizes, to look only at likely files) and finds them under its
 * folders: the artifact cache (`ZKINFER_CACHE` layout: circuits/<name>-<hash>/<name>.wasm,
 * setups/<name>-dev-<hash>/<name>.zkey) or any folder or file the operator gives. A file is used
 * only if its sha256 is the one asked for, hashed again right before every proof: a tampered or
 * different artifact is refused with ARTIFACT_MISMATCH, never proven with.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

import { sha256File } from "./cache.js";
import { ZkError } from "./errors.js";

export interface ArtifactRef {
  /** sha256 (hex) of the file. */
  sha256: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its file name where it was made (`MnistCnn.zkey`): a hint, the hash decides. */
  name: string;
}

const SKIP_DIRS = new Set(["node_modules", ".git"]);
const MAX_DEPTH = 6;

export class ArtifactStore {
  private readonly known = new Map<string, string>();

  /** `roots`: folders to search (recursively) or single files. */
  constructor(readonly roots: readonly string[]) {
    if (roots.length === 0) throw new ZkError("BAD_ARGUMENT", "invalid artifacts: give at least one folder or file");
  }

  /**
   * The path of the file with this content, its sha256 checked now. Throws ARTIFACT_MISMATCH when
   * the only candidates (same name or size) have another hash, or when nothing is found.
   */
  async resolve(what: string, ref: ArtifactRef): Promise<string> {
    const remembered = this.known.get(ref.sha256);
    if (remembered && (await hashOf(remembered)) === ref.sha256) return remembered;
    const mismatched: { file: string; sha256: string }[] = [];
    for (const file of await this.candidates(ref)) {
      const sha256 = await hashOf(file);
      if (sha256 === ref.sha256) {
        this.known.set(ref.sha256, file);
        return file;
      }
      if (path.basename(file) === ref.name) mismatched.push({ file, sha256: sha256 ?? "unreadable" });
    }
    const want = `${ref.sha256.slice(0, 16)}…`;
    if (mismatched.length > 0) {
      const m = mismatched[0]!;
      throw new ZkError(
        "ARTIFACT_MISMATCH",
        `refusing to prove: ${what} ${m.file} has sha256 ${m.sha256.slice(0, 16)}… but the job needs ${want} (a tampered or different artifact): replace it with the provider's file`,
      );
    }
    throw new ZkError(
      "ARTIFACT_MISMATCH",
      `no ${what} with sha256 ${want} (${ref.name}, ${ref.bytes} bytes) under ${this.roots.join(", ")}: copy the provider's file there or pass --artifacts`,
    );
  }

  /** Files named like the artifact or of its size, under every root. */
  private async candidates(ref: ArtifactRef): Promise<string[]> {
    const ext = path.extname(ref.name);
    const out: string[] = [];
    const visit = async (p: string, depth: number): Promise<void> => {
      let st;
      try {
        st = await stat(p);
      } catch {
        return;
      }
      if (st.isFile()) {
        if (path.basename(p) === ref.name || (st.size === ref.bytes && path.extname(p) === ext)) out.push(p);
        return;
      }
      if (!st.isDirectory() || depth > MAX_DEPTH) return;
      const base = path.basename(p);
      // A half-built artifact folder (cache.ts's buildAtomically) is never trusted.
      if (depth > 0 && (SKIP_DIRS.has(base) || base.includes(".tmp-"))) return;
      let entries: string[];
      try {
        entries = await readdir(p);
      } catch {
        return;
      }
      for (const e of entries.sort()) await visit(path.join(p, e), depth + 1);
    };
    for (const root of this.roots) await visit(path.resolve(root), 0);
    // Files named as asked are hashed first.
    return out.sort((a, b) => Number(path.basename(b) === ref.name) - Number(path.basename(a) === ref.name));
  }
}

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return await sha256File(file);
  } catch {
    return undefined;
  }
}
