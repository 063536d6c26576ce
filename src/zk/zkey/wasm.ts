/**
 * ffjavascript's bn128 WebAssembly module on the main thread, driven through its raw exports
 * (`Wasm`: a bump allocator over its memory, Fr values in Montgomery form). Split out of
 * devZkey.ts.
 */
import { mod } from "../ptau/devSecrets.js";

const N8 = 32;

type WasmFn = (...args: number[]) => number;
const WASM_FNS = [
  "frm_toMontgomery",
  "frm_mul",
  "frm_add",
  "frm_sub",
  "frm_isZero",
  "frm_batchInverse",
  "g1m_subAffine",
  "g1m_batchToAffine",
  "g1m_batchLEMtoU",
  "g2m_batchLEMtoU",
] as const;
type WasmExports = Record<(typeof WASM_FNS)[number], WasmFn>;

// The project's TypeScript libs carry no WebAssembly declarations: the little used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (desc: { initial: number }) => WasmMemory;
  compile(code: Uint8Array): Promise<unknown>;
  instantiate(module: unknown, imports: object): Promise<{ exports: unknown }>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export class Wasm {
  private readonly memory: WasmMemory;
  readonly ex: WasmExports;
  u8: Uint8Array;
  private readonly headroom: number;

  private constructor(instance: { exports: unknown }, memory: WasmMemory, headroom: number) {
    this.memory = memory;
    this.ex = instance.exports as unknown as WasmExports;
    for (const f of WASM_FNS) if (typeof this.ex[f] !== "function") throw new Error(`ffjavascript wasm lacks ${f}`);
    this.u8 = new Uint8Array(memory.buffer);
    this.headroom = headroom;
  }

  /** `headroom`: bytes kept free past the allocation pointer (the batch functions use it). */
  static async create(code: Uint8Array, headroom: number): Promise<Wasm> {
    const memory = new WebAssemblyApi.Memory({ initial: 25 });
    const module = await WebAssemblyApi.compile(code);
    const instance = await WebAssemblyApi.instantiate(module, { env: { memory } });
    return new Wasm(instance, memory, headroom + (4 << 20));
  }

  alloc(bytes: number): number {
    const u32 = new Uint32Array(this.memory.buffer, 0, 1);
    const p = u32[0] as number;
    const end = p + ((bytes + 63) & ~63);
    const need = end + this.headroom - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / 65536));
    new Uint32Array(this.memory.buffer, 0, 1)[0] = end;
    this.u8 = new Uint8Array(this.memory.buffer);
    return p;
  }

  /** Frees everything allocated from p on (a stack discipline is all this module needs). */
  freeFrom(p: number): void {
    new Uint32Array(this.memory.buffer, 0, 1)[0] = p;
  }

  /** Writes the Fr element `v` at p, in Montgomery form. */
  setFr(p: number, v: bigint): void {
    let x = mod(v);
    for (let i = 0; i < N8; i++) {
      this.u8[p + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.ex.frm_toMontgomery(p, p);
  }

  bytes(p: number, n: number): Uint8Array {
    return this.u8.slice(p, p + n);
  }
}
