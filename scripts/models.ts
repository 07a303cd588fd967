/**
 * `npm run models -- <command>`: publish, list, label, rollback, canary, shadow, rollout and status for the model
 * repository (R2 artifacts + KV pointer records), built on wrangler. See scripts/models/help.ts
 * for the commands and docs/model-repository.md for the layout.
 */
import { parseArgs } from "node:util";
import { formatHelp } from "./help.ts";
import { CliError, usageError } from "./models/cli-error.ts";
import { COMMAND_HELP, COMMANDS, type Command, MODELS_HELP } from "./models/help.ts";
import { canary, checkName, label, parseVersion, rollback } from "./models/labels.ts";
import { listRecords, renderRecords } from "./models/list.ts";
import { DEFAULT_SHADOW_SAMPLE, parsePercent, parseSample } from "./models/record.ts";
import { POLICY_FLAGS } from "./models/rollout.ts";
import { shadow } from "./models/shadow.ts";
import { describeTarget, parseTarget, TARGET_OPTIONS, type Target } from "./models/target.ts";

const print = (line: string) => console.log(line);
const progress = (line: string) => console.error(line);

function parse(command: Command, args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...TARGET_OPTIONS,
        help: { type: "boolean", short: "h" },
        name: { type: "string" },
        version: { type: "string" },
        label: { type: "string" },
        "skip-run": { type: "boolean" },
        json: { type: "boolean" },
        bins: { type: "string" },
        task: { type: "string" },
        sample: { type: "string" },
        off: { type: "boolean" },
        abort: { type: "boolean" },
        steps: { type: "string" },
        "min-outcomes": { type: "string" },
        metric: { type: "string" },
        "max-regression": { type: "string" },
        "max-error-rate": { type: "string" },
        "max-p95-ms": { type: "string" },
        confidence: { type: "string" },
      },
    });
  } catch (err) {
    throw usageError(`${(err as Error).message}\nSee: npm run models -- ${command} --help`);
  }
}

function positionals(command: Command, values: string[], names: string[]): string[] {
  if (values.length !== names.length) {
    throw usageError(
      `${command} takes ${names.length ? names.join(" ") : "no arguments"}, got ${values.length ? values.join(" ") : "none"}\nSee: npm run models -- ${command} --help`,
    );
  }
  return values;
}

/** Commands that only take some of the flags refuse the others rather than ignore them. */
function only(command: Command, values: Record<string, unknown>, allowed: string[]): void {
  const own = [
    "name",
    "version",
    "label",
    "skip-run",
    "json",
    "bins",
    "task",
    "sample",
    "off",
    "abort",
    ...POLICY_FLAGS,
  ].filter((f) => values[f] !== undefined && !allowed.includes(f));
  if (own.length)
    throw usageError(`${command} does not take --${own.join(", --")}\nSee: npm run models -- ${command} --help`);
}

async function store(target: Target, options: { uploads?: boolean } = {}) {
  if (target.defaulted) progress(`no --local, --persist-to or --remote given: using ${describeTarget(target)}`);
  const { wranglerStore } = await import("./models/wrangler.ts");
  return wranglerStore(target, options);
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    process.stdout.write(
      formatHelp(
        topic && (COMMANDS as readonly string[]).includes(topic) ? COMMAND_HELP[topic as Command] : MODELS_HELP,
      ),
    );
    if (first === undefined) process.exitCode = 2;
    return;
  }
  if (!(COMMANDS as readonly string[]).includes(first))
    throw usageError(`unknown command '${first}'; commands: ${COMMANDS.join(", ")} (npm run models -- --help)`);
  const command = first as Command;
  const { values, positionals: args } = parse(command, rest);
  if (values.help) {
    process.stdout.write(formatHelp(COMMAND_HELP[command]));
    return;
  }
  if (command === "baseline") {
    only(command, values, ["bins", "task"]);
    const [dir, data] = positionals(command, args, ["<dir>", "<data>"]);
    const task = values.task;
    if (task !== undefined && task !== "binary" && task !== "regression")
      throw usageError(`--task: binary or regression, got ${task}`);
    const { writeBaseline } = await import("./models/baseline.ts");
    writeBaseline(
      { dir: dir!, data: data!, ...(values.bins ? { bins: Number(values.bins) } : {}), ...(task ? { task } : {}) },
      print,
    );
    return;
  }
  const target = parseTarget(values);

  switch (command) {
    case "publish": {
      only(command, values, ["name", "version", "label", "skip-run"]);
      const [dir] = positionals(command, args, ["<dir>"]);
      if (values.name === undefined || values.version === undefined)
        throw usageError("publish needs --name N and --version V\nSee: npm run models -- publish --help");
      const name = checkName("model", values.name);
      const version = parseVersion(values.version);
      const labelName = values.label === undefined ? undefined : checkName("label", values.label);
      const repo = await store(target, { uploads: true });
      const { publish } = await import("./models/publish.ts");
      const started = performance.now();
      await publish(
        { dir: dir!, name, version, ...(labelName ? { label: labelName } : {}), run: !values["skip-run"] },
        repo,
        print,
      );
      progress(`${repo.calls} wrangler calls, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
      if (!target.remote) {
        print(`serve it: npm start, then`);
        print(`  curl -s localhost:8787/v1/models/${name}/versions/${version}/metadata`);
        print(`  curl -s localhost:8787/v2/models/${name}/versions/${version}`);
      }
      return;
    }
    case "list": {
      only(command, values, ["json"]);
      if (args.length > 1) positionals(command, args, ["[N]"]);
      const name = args[0] === undefined ? undefined : checkName("model", args[0]);
      const repo = await store(target);
      const records = await listRecords(repo, name, progress);
      if (values.json) print(JSON.stringify(records, null, 2));
      else for (const line of renderRecords(records, repo.where)) print(line);
      return;
    }
    case "label": {
      only(command, values, []);
      const [name, labelName, version] = positionals(command, args, ["N", "L", "V"]);
      const parsed = [checkName("model", name!), checkName("label", labelName!), parseVersion(version!)] as const;
      await label(await store(target), ...parsed, print);
      return;
    }
    case "rollback": {
      only(command, values, []);
      const [name, labelName] = positionals(command, args, ["N", "L"]);
      await rollback(await store(target), checkName("model", name!), checkName("label", labelName!), print);
      return;
    }
    case "canary": {
      only(command, values, []);
      const [name, percent] = positionals(command, args, ["N", "PERCENT"]);
      const parsed = [checkName("model", name!), parsePercent(percent!)] as const;
      await canary(await store(target), ...parsed, print);
      return;
    }
    case "shadow": {
      only(command, values, ["sample", "off"]);
      if (values.off) {
        if (values.sample !== undefined)
          throw usageError("shadow --off takes no --sample\nSee: npm run models -- shadow --help");
        const [name] = positionals(command, args, ["N"]);
        await shadow(await store(target), checkName("model", name!), null, print);
        return;
      }
      const [name, version] = positionals(command, args, ["N", "V"]);
      const sample = values.sample === undefined ? DEFAULT_SHADOW_SAMPLE : parseSample(values.sample);
      const setting = { version: parseVersion(version!), sample };
      await shadow(await store(target), checkName("model", name!), setting, print);
      return;
    }
    case "rollout": {
      const { abort, parsePolicy, rollout } = await import("./models/rollout.ts");
      if (values.abort) {
        only(command, values, ["abort"]);
        const [name] = positionals(command, args, ["N"]);
        await abort(await store(target), checkName("model", name!), print);
        return;
      }
      only(command, values, [...POLICY_FLAGS]);
      const [name, version] = positionals(command, args, ["N", "V"]);
      const parsed = [checkName("model", name!), parseVersion(version!), parsePolicy(values)] as const;
      await rollout(await store(target), ...parsed, print);
      return;
    }
    case "status": {
      only(command, values, ["json"]);
      const [name] = positionals(command, args, ["N"]);
      const { status } = await import("./models/rollout.ts");
      await status(await store(target), checkName("model", name!), print, values.json === true);
      return;
    }
  }
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  console.error(`error: ${err.message}`);
  process.exitCode = err.exitCode;
}
