/**
 * How the browser tests find Chromium (test/browser/chromium.ts), on a made-up machine: the
 * probes are injected, so nothing here looks at or installs this machine's browser.
 */
import { describe, expect, it } from "vitest";
import { DEBIAN_PATH, ensureChromium, findChromium, NOT_FOUND, type Probes } from "../browser/chromium.ts";

/** A machine whose executables are `files`; apt-get "installs" by adding /usr/bin/chromium. */
function machine(files: string[], options: { env?: Probes["env"]; canApt?: boolean; aptWorks?: boolean } = {}) {
  const present = new Set(files);
  const log: string[] = [];
  const installs: string[] = [];
  const probes: Probes = {
    env: options.env ?? { PATH: "/usr/local/bin:/usr/bin:/bin" },
    isExecutable: (path) => present.has(path),
    canApt: options.canApt ?? false,
    aptInstall() {
      installs.push("chromium");
      if (options.aptWorks === false) throw new Error("E: Unable to locate package chromium");
      present.add(DEBIAN_PATH);
    },
    log: (line) => log.push(line),
  };
  return { probes, log, installs };
}

describe("findChromium", () => {
  it("takes CHROMIUM_PATH first, and reports it when it points at nothing", () => {
    const env = { CHROMIUM_PATH: "/opt/chrome/chrome", PATH: "/usr/bin" };
    expect(findChromium(machine(["/opt/chrome/chrome", DEBIAN_PATH], { env }).probes)).toBe("/opt/chrome/chrome");
    expect(() => findChromium(machine([DEBIAN_PATH], { env }).probes)).toThrow(
      "CHROMIUM_PATH=/opt/chrome/chrome is not an executable file",
    );
  });

  it("then Debian's /usr/bin/chromium, then chromium or chromium-browser on PATH, in PATH order", () => {
    expect(findChromium(machine([DEBIAN_PATH, "/usr/local/bin/chromium"]).probes)).toBe(DEBIAN_PATH);
    expect(findChromium(machine(["/usr/local/bin/chromium", "/bin/chromium"]).probes)).toBe("/usr/local/bin/chromium");
    expect(findChromium(machine(["/bin/chromium-browser"]).probes)).toBe("/bin/chromium-browser");
    expect(findChromium(machine(["/snap/bin/chromium"]).probes)).toBeUndefined();
  });

  it("finds nothing with an empty or missing PATH and no Debian package", () => {
    expect(findChromium(machine(["/usr/local/bin/chromium"], { env: { PATH: "" } }).probes)).toBeUndefined();
    expect(findChromium(machine(["/usr/local/bin/chromium"], { env: {} }).probes)).toBeUndefined();
  });
});

describe("ensureChromium", () => {
  it("installs nothing when a Chromium is there", () => {
    const { probes, installs } = machine([DEBIAN_PATH], { canApt: true });
    expect(ensureChromium(probes)).toBe(DEBIAN_PATH);
    expect(installs).toEqual([]);
  });

  it("installs Debian's chromium when it may (root with apt-get), saying so", () => {
    const { probes, installs, log } = machine([], { canApt: true });
    expect(ensureChromium(probes)).toBe(DEBIAN_PATH);
    expect(installs).toEqual(["chromium"]);
    expect(log[0]).toMatch(/installing Debian's chromium with apt-get/);
    expect(log[1]).toBe(`browser tests: installed ${DEBIAN_PATH}`);
  });

  it("fails with one message saying what to do when it cannot install", () => {
    expect(() => ensureChromium(machine([], { canApt: false }).probes)).toThrow(NOT_FOUND);
    expect(NOT_FOUND).toMatch(/apt-get install chromium/);
    expect(NOT_FOUND).toMatch(/CHROMIUM_PATH=/);
  });

  it("says what apt-get said when the install fails", () => {
    const { probes } = machine([], { canApt: true, aptWorks: false });
    expect(() => ensureChromium(probes)).toThrow(/no Chromium found[\s\S]*Unable to locate package chromium/);
  });
});
