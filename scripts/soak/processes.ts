/**
 * Starting and stopping local Worker instances (scripts/soak/instance.ts) as child process
 * groups. Only groups started here are ever signalled, by their own process group id.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface Instance {
  name: string;
  url: string;
  /** The process group (the instance's node process leads it; workerd is inside). */
  pgid: number;
  workerd: number | undefined;
  /** workerd's inspector (DevTools protocol) on 127.0.0.1. */
  inspector: string;
  child: ChildProcess;
}

const started = new Set<Instance>();

export async function launch(
  name: string,
  bundleDir: string,
  persistDir: string,
  vars: Record<string, string>,
  logFile: string,
): Promise<Instance> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/soak/instance.ts", bundleDir, persistDir, JSON.stringify(vars), logFile],
    {
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  const ready = new Promise<{ url: string; workerd?: number; inspector: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready within 60 s`)), 60_000);
    child.once("exit", (code) => reject(new Error(`${name}: exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("SOAK_READY ")) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice("SOAK_READY ".length)) as { url: string; workerd?: number; inspector: string });
    });
  });
  const instance: Instance = { name, url: "", pgid: child.pid!, workerd: undefined, inspector: "", child };
  started.add(instance);
  const { url, workerd, inspector } = await ready;
  instance.url = url.replace(/\/$/, "");
  instance.workerd = workerd;
  instance.inspector = inspector;
  return instance;
}

function signal(instance: Instance, sig: NodeJS.Signals): void {
  try {
    process.kill(-instance.pgid, sig);
  } catch {
    // already gone
  }
}

const exited = (instance: Instance, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    instance.child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** A crash: SIGKILL to the whole group (node and workerd), no chance to clean up. */
export async function kill(instance: Instance): Promise<void> {
  signal(instance, "SIGKILL");
  await exited(instance, 5_000);
  started.delete(instance);
}

/** A clean stop: SIGTERM, then SIGKILL after 10 s. */
export async function stop(instance: Instance): Promise<void> {
  signal(instance, "SIGTERM");
  if (!(await exited(instance, 10_000))) signal(instance, "SIGKILL");
  started.delete(instance);
}

/** On any exit of the soak, stop what it started. */
export function stopAllOnExit(): void {
  const all = () => started.forEach((i) => signal(i, "SIGKILL"));
  process.once("exit", all);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      all();
      process.exit(130);
    });
  }
}

/** Resident memory of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
