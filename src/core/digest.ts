/** SHA-256 over Web Crypto (present in workerd and in Node ≥ 20). */
export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One identity for a set of files: sha256 over the sorted "name sha256" lines. */
export async function artifactSha256(files: Record<string, string>): Promise<string> {
  const lines = Object.keys(files)
    .sort()
    .map((name) => `${name} ${files[name]}\n`)
    .join("");
  return sha256Hex(new TextEncoder().encode(lines));
}
