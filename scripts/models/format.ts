/** Small human-readable renderings for the CLI's output. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const shortSha = (sha256: string) => sha256.slice(0, 12);

export const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const formatShape = (shape: readonly number[]) => `[${shape.join(",")}]`;

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][], indent = "  "): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  "));
}
