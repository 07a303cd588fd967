/**
 * The Chromium the browser tests drive (playwright-core downloads no browser): CHROMIUM_PATH,
 * else /usr/bin/chromium, else `chromium` or `chromium-browser` on PATH. When none is there and
 * we run as root with apt-get (CI, a fresh dev machine), Debian's `chromium` is installed first,
 * so `npm install && npm test` needs no manual step. Otherwise the browser project's global
 * setup fails with one message saying what to do.
 *
 * The search is a pure function of injected probes (test/unit/chromium.test.ts); the probes of
 * this machine are `systemProbes`.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface Probes {
  /** CHROMIUM_PATH and PATH are read from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** A regular file we may execute. */
  isExecutable(path: string): boolean;
  /** Root, with apt-get on PATH: installing a Debian package is allowed and possible. */
  canApt: boolean;
  /** Installs Debian's chromium (apt-get); throws when apt-get fails. */
  aptInstall(): void;
  /** A progress line. */
  log(line: string): void;
}

export const DEBIAN_PATH = "/usr/bin/chromium";
const NAMES = ["chromium", "chromium-browser"];

/** The first executable called `name` in the PATH directories, as a shell's `command -v` finds it. */
export function onPath(name: string, probes: Pick<Probes, "env" | "isExecutable">): string | undefined {
  const dirs = (probes.env.PATH ?? "").split(delimiter).filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find((path) => probes.isExecutable(path));
}

/** Where Chromium is, without installing anything; undefined when it is nowhere we look. */
export function findChromium(probes: Pick<Probes, "env" | "isExecutable">): string | undefined {
  const configured = probes.env.CHROMIUM_PATH;
  if (configured) {
    // Set but wrong is a mistake to report, not a reason to run some other browser.
    if (!probes.isExecutable(configured))
      throw new Error(
        `CHROMIUM_PATH=${configured} is not an executable file: point it at a Chromium, or unset it to use Debian's chromium`,
      );
    return configured;
  }
  if (probes.isExecutable(DEBIAN_PATH)) return DEBIAN_PATH;
  for (const name of NAMES) {
    const path = onPath(name, probes);
    if (path) return path;
  }
  return undefined;
}

export const NOT_FOUND = `browser tests: no Chromium found (looked at CHROMIUM_PATH, ${DEBIAN_PATH}, and ${NAMES.join(" and ")} on PATH).
Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH=/path/to/chromium, then rerun.
To skip the browser tests instead: npm test -- --project unit --project worker --project worker-nomemo --project e2e`;

/** Finds Chromium, installing Debian's package when that is possible; throws NOT_FOUND otherwise. */
export function ensureChromium(probes: Probes = systemProbes()): string {
  const found = findChromium(probes);
  if (found) return found;
  if (!probes.canApt) throw new Error(NOT_FOUND);
  probes.log("browser tests: no Chromium found; installing Debian's chromium with apt-get (a minute or two)...");
  try {
    probes.aptInstall();
  } catch (err) {
    throw new Error(
      `${NOT_FOUND}\n(apt-get install chromium failed: ${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const installed = findChromium(probes);
  if (!installed) throw new Error(`${NOT_FOUND}\n(apt-get install chromium succeeded, but no chromium appeared)`);
  probes.log(`browser tests: installed ${installed}`);
  return installed;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function systemProbes(): Probes {
  const env = process.env;
  const apt = onPath("apt-get", { env, isExecutable });
  return {
    env,
    isExecutable,
    canApt: process.getuid?.() === 0 && apt !== undefined,
    aptInstall() {
      const options = {
        stdio: ["ignore", "ignore", "inherit"] as ["ignore", "ignore", "inherit"],
        env: { ...env, DEBIAN_FRONTEND: "noninteractive" },
      };
      execFileSync("apt-get", ["update", "-qq"], options);
      execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], options);
    },
    log: (line) => console.log(line),
  };
}
