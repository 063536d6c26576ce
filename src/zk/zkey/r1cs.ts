/**
 * The circom .r1cs reader the dev zkey needs: the header (wire and constraint counts, checked to
 * be over bn128's Fr), where the constraints section lies, snarkjs's circuit power, and a
 * validating pre-scan of the constraint terms (`countCoefs`). Split out of devZkey.ts.
 */
import { ZkError } from "../errors.js";
import { FR_ORDER } from "../ptau/devSecrets.js";

const N8 = 32;

export interface R1cs {
  buf: Buffer;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nConstraints: number;
  /** Offset and size of the constraints section (2) in `buf`. */
  consStart: number;
  consSize: number;
}

export function readR1cs(buf: Buffer, file: string): R1cs {
  const bad = (why: string): ZkError => new ZkError("BAD_ARGUMENT", `invalid r1cs: ${file} ${why}`);
  if (buf.length < 12 || buf.subarray(0, 4).toString("latin1") !== "r1cs") throw bad("is not an r1cs file");
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  let header: number | null = null;
  let cons: [number, number] | null = null;
  for (let i = 0; i < nSections; i++) {
    if (pos + 12 > buf.length) throw bad("is truncated");
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (pos + size > buf.length) throw bad("is truncated");
    if (type === 1) header = pos;
    if (type === 2) cons = [pos, size];
    pos += size;
  }
  if (header === null || cons === null) throw bad("has no header or constraints section");
  const n8 = buf.readUInt32LE(header);
  let prime = 0n;
  for (let i = n8 - 1; i >= 0; i--) prime = (prime << 8n) | BigInt(buf[header + 4 + i] as number);
  if (n8 !== N8 || prime !== FR_ORDER) throw bad("is not over the bn128 scalar field");
  const p = header + 4 + n8;
  return {
    buf,
    nVars: buf.readUInt32LE(p),
    nOutputs: buf.readUInt32LE(p + 4),
    nPubInputs: buf.readUInt32LE(p + 8),
    // nPrvInputs at p + 12, nLabels (u64) at p + 16
    nConstraints: buf.readUInt32LE(p + 24),
    consStart: cons[0],
    consSize: cons[1],
  };
}

/** snarkjs's circuit power: log2(nConstraints + nPublic) + 1 (floor log2). */
export function circuitPower(nConstraints: number, nPublic: number): number {
  return Math.max(1, (nConstraints + nPublic).toString(2).length);
}

/**
 * Pre-scan of the constraints: counts the A and B terms (the coefficients of zkey section 4,
 * without snarkjs's extra public-signal constraints) and checks the wire indices and the
 * section's length. `file` names the r1cs in errors.
 */
export function countCoefs(r1cs: R1cs, file: string): number {
  const { buf, nConstraints, nVars } = r1cs;
  let nCoefs = 0;
  let pos = r1cs.consStart;
  const end = r1cs.consStart + r1cs.consSize;
  for (let c = 0; c < nConstraints; c++) {
    for (let k = 0; k < 3; k++) {
      if (pos + 4 > end) throw new ZkError("BAD_ARGUMENT", `invalid r1cs: ${file} constraints are truncated`);
      const n = buf.readUInt32LE(pos);
      pos += 4;
      if (k < 2) nCoefs += n;
      for (let t = 0; t < n; t++) {
        if (pos + 4 + N8 > end || buf.readUInt32LE(pos) >= nVars) {
          throw new ZkError("BAD_ARGUMENT", `invalid r1cs: ${file} has a bad term in constraint ${c}`);
        }
        pos += 4 + N8;
      }
    }
  }
  return nCoefs;
}
