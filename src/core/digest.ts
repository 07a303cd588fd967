/** SHA-256 over Web Crypto (present in workerd and in Node ≥ 20). */
export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * sha256 over a set of files' sorted "name sha256" lines, plus an optional trailer (the manifest
 * line of a version's identity: core/models/identity.ts).
 */
export async function artifactSha256(files: Record<string, string>, trailer = ""): Promise<string> {
  const lines = Object.keys(files)
    .sort()
    .map((name) => `${name} ${files[name]}\n`)
    .join("");
  return sha256Hex(new TextEncoder().encode(lines + trailer));
}
