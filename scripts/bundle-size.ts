/**
 * The Worker bundle's size as uploaded: every file wrangler writes to its --outdir (the script and
 * its modules: .wasm, model files), gzip-compressed one by one, leaving out source maps and the
 * README wrangler adds. Used by the e2e budget test and the benchmark;
 * `tsx scripts/bundle-size.ts [outdir]` prints it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

/** The budget with the wasm backend bundled (issue 7). */
export const GZIP_BUDGET_BYTES = 600 * 1024;

export interface BundleSize {
  files: Array<{ file: string; bytes: number; gzipBytes: number }>;
  bytes: number;
  gzipBytes: number;
}

export function bundleSize(outdir: string): BundleSize {
  const files = readdirSync(outdir)
    .filter((file) => !file.endsWith(".map") && file !== "README.md")
    .sort()
    .map((file) => {
      const data = readFileSync(join(outdir, file));
      return { file, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length };
    });
  const sum = (key: "bytes" | "gzipBytes") => files.reduce((total, f) => total + f[key], 0);
  return { files, bytes: sum("bytes"), gzipBytes: sum("gzipBytes") };
}

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const size = bundleSize(process.argv[2] ?? "dist/worker");
  for (const f of size.files.filter((f) => f.gzipBytes > 1024))
    console.log(`${f.file}: ${kib(f.bytes)} (${kib(f.gzipBytes)} gzip)`);
  console.log(
    `total: ${kib(size.bytes)}, ${kib(size.gzipBytes)} gzip of ${kib(GZIP_BUDGET_BYTES)} budget, ${size.files.length} files`,
  );
}
