import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** One line naming the machine a benchmark ran on, and how loaded it was. */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2));
  return `Machine: ${cpus[0]?.model ?? "unknown CPU"} × ${cpus.length} (${os.platform()} ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB), Node ${process.version}; load average ${load.join(" / ")}`;
}

/** Replaces (or appends) the `## <title>` section of BENCHMARKS.md, leaving the others intact. */
export async function writeBenchSection(title: string, body: string, file = path.join(process.cwd(), "BENCHMARKS.md")) {
  const text = existsSync(file) ? await readFile(file, "utf8") : "# Benchmarks\n";
  const heading = `## ${title}`;
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  const section = [heading, "", body.trimEnd(), ""];
  if (start === -1) {
    await writeFile(file, text.trimEnd() + "\n\n" + section.join("\n"));
    return;
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
  if (end === -1) end = lines.length;
  lines.splice(start, end - start, ...section);
  await writeFile(file, lines.join("\n").trimEnd() + "\n");
}
