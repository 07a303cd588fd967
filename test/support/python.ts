/**
 * Debian's Python 3 with the packages a test's Python client needs (test/e2e/triton-client.test.ts):
 * /usr/bin/python3 (not a pyenv or venv python first on PATH, which would not see Debian's
 * packages). When a module is missing and we run as root with apt-get (CI, a fresh machine), the
 * Debian packages are installed first, as test/browser/chromium.ts does for Chromium; otherwise
 * the error says what to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const DEBIAN_PYTHON = "/usr/bin/python3";

/** The modules' imports fail with this python: the missing ones, or every one when python is absent. */
function missing(modules: Record<string, string>): string[] {
  if (!existsSync(DEBIAN_PYTHON)) return Object.keys(modules);
  return Object.keys(modules).filter(
    (m) => spawnSync(DEBIAN_PYTHON, ["-c", `import ${m}`], { stdio: "ignore" }).status !== 0,
  );
}

/** Debian's python3 with `modules` importable (module name -> Debian package); its path. */
export function ensureDebianPython(modules: Record<string, string>): string {
  let absent = missing(modules);
  if (absent.length === 0) return DEBIAN_PYTHON;
  const packages = ["python3", ...absent.map((m) => modules[m]!)];
  const advice = `install them (Debian/Ubuntu: sudo apt-get install ${packages.join(" ")}) and rerun`;
  if (process.getuid?.() !== 0 || spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0)
    throw new Error(`${DEBIAN_PYTHON} cannot import ${absent.join(", ")}: ${advice}`);
  console.log(`python client tests: installing ${packages.join(" ")} with apt-get (a minute or so)...`);
  const options = {
    stdio: ["ignore", "ignore", "inherit"] as ["ignore", "ignore", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  };
  execFileSync("apt-get", ["update", "-qq"], options);
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], options);
  absent = missing(modules);
  if (absent.length > 0)
    throw new Error(`apt-get installed ${packages.join(" ")}, yet ${absent.join(", ")} do not import`);
  return DEBIAN_PYTHON;
}
