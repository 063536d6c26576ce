import { open } from "node:fs/promises";

import { ZkError } from "./errors.js";

export interface PtauInfo {
  /** The file holds powers of tau up to 2^power. */
  power: number;
  /** Lagrange sections (12–15) present: `prepare phase2` was run, `groth16 setup` can use it. */
  prepared: boolean;
  sections: number[];
}

/**
 * Reads the container header of a .ptau file (iden3 binfile: magic, version, sections) and its
 * header section, without loading the points.
 */
export async function readPtauInfo(file: string): Promise<PtauInfo> {
  const fd = await open(file, "r").catch((err: unknown) => {
    throw new ZkError("PTAU_INVALID", `cannot open powers-of-tau file ${file}: ${(err as Error).message}`);
  });
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.subarray(0, 4).toString("latin1") !== "ptau") {
      throw new ZkError("PTAU_INVALID", `${file} is not a powers-of-tau (.ptau) file`);
    }
    const nSections = head.readUInt32LE(8);
    const sections: number[] = [];
    let pos = 12;
    let power = -1;
    const sh = Buffer.alloc(12);
    for (let i = 0; i < nSections; i++) {
      const { bytesRead } = await fd.read(sh, 0, 12, pos);
      if (bytesRead < 12) throw new ZkError("PTAU_INVALID", `${file} is truncated (section ${i} of ${nSections})`);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      sections.push(type);
      if (type === 1) {
        const hdr = Buffer.alloc(Math.min(size, 64));
        await fd.read(hdr, 0, hdr.length, pos + 12);
        const n8 = hdr.readUInt32LE(0);
        power = hdr.readUInt32LE(4 + n8);
      }
      pos += 12 + size;
    }
    if (power < 0) throw new ZkError("PTAU_INVALID", `${file} has no header section`);
    return { power, prepared: [12, 13, 14, 15].every((s) => sections.includes(s)), sections };
  } finally {
    await fd.close();
  }
}

/**
 * The smallest ptau power `groth16 setup` accepts for a circuit: its evaluation domain must hold
 * every constraint plus one per public signal (snarkjs: `log2(nConstraints + nPublic) + 1`).
 */
export function requiredPtauPower(constraints: number, publicSignals: number): number {
  const n = constraints + publicSignals;
  return Math.max(1, n.toString(2).length);
}
