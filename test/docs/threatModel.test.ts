/**
 * docs/THREAT_MODEL.md stays the reference of every "case N" a test cites: each cited case is
 * defined in its numbered list and listed in its case → test index.
 */
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DOC = readFileSync(path.join(ROOT, "docs/THREAT_MODEL.md"), "utf8");

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|sol)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The case numbers of "case 23", "cases 21, 22, 30", "cases 1–7", "cases 2 and 4". */
function citedCases(text: string): Set<number> {
  const cases = new Set<number>();
  for (const m of text.matchAll(/\b[Cc]ases? (\d+(?:\s*(?:[,–-]|and)\s*\d+)*)/g)) {
    for (const part of m[1]!.split(/\s*(?:,|and)\s*/)) {
      const range = /^(\d+)\s*[–-]\s*(\d+)$/.exec(part);
      if (range) for (let n = Number(range[1]); n <= Number(range[2]); n++) cases.add(n);
      else if (/^\d+$/.test(part.trim())) cases.add(Number(part));
    }
  }
  return cases;
}

describe("docs/THREAT_MODEL.md", () => {
  const cited = new Map<number, string[]>();
  for (const file of [...sources("test"), ...sources("contracts/test")]) {
    if (file.endsWith("threatModel.test.ts")) continue;
    for (const n of citedCases(readFileSync(file, "utf8"))) {
      cited.set(n, [...(cited.get(n) ?? []), path.relative(ROOT, file)]);
    }
  }

  it("should define every case a test cites", () => {
    const defined = new Set([...DOC.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));
    const missing = [...cited.keys()].filter((n) => !defined.has(n));
    expect(missing, `cases cited by tests but not defined: ${missing.join(", ")}`).to.deep.equal([]);
  });

  it("should list every cited case, with each file that cites it, in the index", () => {
    const index = new Map([...DOC.matchAll(/^\|\s*(\d+) \| (.*)\|$/gm)].map((m) => [Number(m[1]), m[2]!] as const));
    for (const [n, files] of cited) {
      expect(index.has(n), `case ${n} (cited in ${files.join(", ")}) is not in the index`).to.equal(true);
      for (const f of files) expect(index.get(n), `case ${n}: ${f} missing from the index`).to.contain(f);
    }
  });
});
