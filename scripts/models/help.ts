/** `--help` for `npm run models` and each of its commands (the format of scripts/help.ts). */
import type { Help } from "../help.ts";
import { TARGET_HELP } from "./target.ts";

const TARGET_NOTE =
  "Without --local, --persist-to or --remote the command uses local state and says so (wrangler 4's\n" +
  "`kv`/`r2` commands default to local too). Each wrangler call takes a second or two.";

export const COMMANDS = [
  "publish",
  "list",
  "label",
  "rollback",
  "canary",
  "shadow",
  "rollout",
  "status",
  "baseline",
] as const;
export type Command = (typeof COMMANDS)[number];

export const MODELS_HELP: Help = {
  script: "models",
  args: "-- <command> [arguments] [--local | --persist-to DIR | --remote] [--env NAME] [--config PATH]",
  summary: `The model repository: TF.js model versions in R2 (models/<name>/<version>/) and one pointer record
per model in KV (model:<name>: versions with their sha256, labels, canary share, shadow), written with wrangler.
A published version is served by the Worker over v1 and v2 without a restart or redeploy.

commands:
  publish <dir> --name N --version V [--label L]   validate a TF.js converter directory and publish it
  list [N] [--json]                                models, versions, labels, canary share, shadow
  label N L V                                      point label L of model N at version V
  rollback N L                                     point label L back at its previous version
  canary N PERCENT                                 send PERCENT of default traffic to the canary label (0 = off)
  shadow N V [--sample S] | shadow N --off         also run version V, unseen, on a share S of requests
  rollout N V [--steps 5,25,50,100 …]              staged rollout of V, promoted or rolled back on outcomes
  rollout N --abort                                stop the active rollout (canary share 0, labels unchanged)
  status N [--json]                                where the rollout stands, with its decision history
  baseline <dir> <data> [--bins K] [--task T]      write the training baseline drift is measured against

\`npm run models -- <command> --help\` describes each one.`,
  options: TARGET_HELP,
  examples: [
    "npm run model:converter-sample && npm run models -- publish dist/converter/mobilenet_v2 --name mobilenet_v2 --version 1 --label stable",
    "npm run models -- list",
    "npm run models -- label mobilenet_v2 canary 2 && npm run models -- canary mobilenet_v2 10",
    "npm run models -- shadow flights 2 --sample 0.1",
    "npm run models -- rollback mobilenet_v2 stable --remote --env production",
    "npm run models -- rollout flights 2 --steps 5,25,50,100 --min-outcomes 500 --metric log_loss --max-regression 0.005",
    "npm run models -- status flights",
  ],
  notes: TARGET_NOTE,
};

export const COMMAND_HELP: Record<Command, Help> = {
  publish: {
    script: "models",
    args: "-- publish <dir> --name N --version V [--label L] [--skip-run] [target options]",
    summary: `Publishes a TF.js model directory (model.json and its weight shards, as the TF.js converter writes
them) as version V of model N. First, without writing anything: model.json must parse and be a
layers-model or graph-model; every shard it names must be present with the byte length its weights
need; weights must be float32/int32/bool/string, quantized uint8/uint16/float16 at most; TF.js must load
it (the Worker's loader) and run one zero-filled example. An existing manifest.json must be for N and V
and match the files' sha256; without one, publish writes it into <dir> (signature read from the model).
A version the record already has is refused: versions are immutable.
Then it uploads the shards, model.json and manifest.json to R2 and writes the record last, so the
version is invisible until everything is in place.`,
    options: [
      ["--name N", "model name (letters, digits, '_', '.', '-')"],
      ["--version V", "version number (0, 1, 2, …) not yet published or bundled"],
      ["--label L", "also point label L at the new version (its previous version goes to L's history)"],
      ["--skip-run", "load the model with TF.js but do not run the zero-filled example"],
      ...TARGET_HELP,
    ],
    examples: ["npm run models -- publish dist/converter/mobilenet_v2 --name mobilenet_v2 --version 1 --label stable"],
    notes: TARGET_NOTE,
  },
  list: {
    script: "models",
    args: "-- list [N] [--json] [target options]",
    summary:
      "Lists the models in the repository (or model N): versions with short sha256, format, size and\npublish time; labels with their rollback history; the canary share; the shadow version.",
    options: [["--json", "print the records as JSON ({name: record})"], ...TARGET_HELP],
    examples: ["npm run models -- list", "npm run models -- list mobilenet_v2 --json"],
    notes: TARGET_NOTE,
  },
  label: {
    script: "models",
    args: "-- label N L V [target options]",
    summary: `Points label L of model N at version V, a published version or one bundled in the Worker
(model/artifacts/N/V). The version L pointed to before goes onto L's history, which \`rollback\` pops.
Unqualified requests follow the label "stable" when the model has it, else the latest version; the
label "canary" takes the share of them set with \`canary\`.`,
    options: TARGET_HELP,
    examples: ["npm run models -- label mobilenet_v2 stable 2", "npm run models -- label tiny_layers canary 1"],
    notes: TARGET_NOTE,
  },
  rollback: {
    script: "models",
    args: "-- rollback N L [target options]",
    summary:
      "Points label L of model N back at the version it pointed to before the last `label` or\n`publish --label` (its history, newest last). Refused when the history is empty.",
    options: TARGET_HELP,
    examples: ["npm run models -- rollback mobilenet_v2 stable"],
    notes: TARGET_NOTE,
  },
  canary: {
    script: "models",
    args: "-- canary N PERCENT [target options]",
    summary: `Sends PERCENT (0-100) of model N's default (unqualified) traffic to its "canary" label; the rest
follows "stable" (or the latest version). 0 turns the canary off. Above 0 the model needs a canary
label: \`npm run models -- label N canary V\` first.`,
    options: TARGET_HELP,
    examples: ["npm run models -- canary mobilenet_v2 10", "npm run models -- canary mobilenet_v2 0"],
    notes: TARGET_NOTE,
  },
  shadow: {
    script: "models",
    args: "-- shadow N V [--sample S] | shadow N --off [target options]",
    summary: `Makes version V (published or bundled) the shadow of model N: on a share S of its predict and
infer requests (v1, v2 and RPC; chosen by a hash of the request id, so a request is shadowed or not on
every isolate), V also runs on the same inputs and context after the answer has gone (ctx.waitUntil),
and its rows go to the prediction log as arm "shadow" beside the answered score. It never changes an
answer and its failures never reach the caller (a shadow_failed log line and an error of arm shadow).
The quality route and \`npm run monitor\` compare it with the answering version on the same rows
(agreement, |score difference|) before outcomes arrive, and judge it on outcomes once they do.
It needs the prediction log (PREDICTION_LOG=on with LOG_QUEUE). A record change reaches every
isolate within KV_CACHE_TTL. Cost: each shadowed request runs a second model (docs/monitoring.md).
--off removes the shadow.`,
    options: [
      ["--sample S", "share of requests, above 0 and at most 1 (default 0.1)"],
      ["--off", "no shadow version any more"],
      ...TARGET_HELP,
    ],
    examples: ["npm run models -- shadow flights 2 --sample 0.1", "npm run models -- shadow flights --off"],
    notes: TARGET_NOTE,
  },
  rollout: {
    script: "models",
    args: "-- rollout N V [--steps S] [--min-outcomes K] [--metric M] [--max-regression D] [--max-error-rate E] [--max-p95-ms T] [--confidence C] | rollout N --abort [target options]",
    summary: `Starts a staged rollout of version V of model N (docs/rollouts.md): points label "canary" at V, sends
the first step's share of default traffic to it, and writes the policy into the pointer record. The
Worker's Cron Trigger then evaluates it every minute against the Monitor's live quality, comparing V
(arm canary) with the version "stable" points to (arm default) on the same hours:
  - rolls back (canary share 0, labels unchanged) when the canary's 5xx share is above
    --max-error-rate, or its p95 above --max-p95-ms, with the policy's confidence (before any outcome);
  - holds while either arm has fewer than --min-outcomes joined outcomes in the step's period;
  - then looks at the metric: Welch's one-sided bounds on mean(canary loss) - mean(stable loss), at
    confidence 1 - alpha/2^look. Upper bound <= --max-regression: promotes to the next step (at the
    last one completes: "stable" moves to V, canary share 0); lower bound > --max-regression: rolls
    back; otherwise holds until each arm has twice the outcomes for the next look (8 looks at most,
    then rolls back). Sizing --min-outcomes for --max-regression: docs/rollouts.md.
Every decision goes into the record's history with its evidence (npm run models -- status N).
The model needs a "stable" label, and no other active rollout. --abort stops the active rollout.`,
    options: [
      ["--steps S", "canary shares in percent, increasing, the last 100 (default 5,25,50,100)"],
      ["--min-outcomes K", "joined outcomes each arm needs per step for the first look at the metric (default 500)"],
      ["--metric M", "log_loss or brier (binary models), mae (regression) (default log_loss)"],
      ["--max-regression D", "largest tolerated increase of the mean loss, canary - stable (default 0.005)"],
      ["--max-error-rate E", "largest tolerated share of 5xx answers of the canary, 0-1 (default 0.01)"],
      ["--max-p95-ms T", "largest tolerated canary p95 latency in ms (default: no latency rule)"],
      ["--confidence C", "one-sided confidence of every bound, 0.5-1 (default 0.95)"],
      ["--abort", "stop the active rollout: canary share 0, labels unchanged"],
      ...TARGET_HELP,
    ],
    examples: [
      "npm run models -- rollout flights 2 --steps 5,25,50,100 --min-outcomes 500 --metric log_loss --max-regression 0.005 --max-error-rate 0.01 --max-p95-ms 50",
      "npm run models -- rollout flights --abort",
    ],
    notes: TARGET_NOTE,
  },
  status: {
    script: "models",
    args: "-- status N [--json] [target options]",
    summary: `Shows where model N's rollout stands: state, version against the stable one, step and canary share,
policy, and every decision with the rule that took it and its evidence (joined outcomes, mean loss
per arm, the interval's upper bound, requests, 5xx answers, p95).`,
    options: [["--json", "print the canary share, labels and the rollout as JSON"], ...TARGET_HELP],
    examples: ["npm run models -- status flights", "npm run models -- status flights --json"],
    notes: TARGET_NOTE,
  },
  baseline: {
    script: "models",
    args: "-- baseline <dir> <data> [--bins K] [--task binary|regression]",
    summary: `Writes monitoring.baseline into <dir>/manifest.json: for each feature of the vector the model
receives, bin edges and the share of <data>'s rows in each bin (at most K quantile bins; one bin per
value for a feature with at most K distinct values, such as a one-hot column). The live drift figures
(PSI, Jensen-Shannon) compare served features with these shares (docs/monitoring.md, "Drift").
<data> holds feature vectors, one row per line, in the manifest's feature order:
  *.jsonl / *.json   a JSON array of numbers, or an object with a "features" array (the prediction log's)
  anything else      CSV of numbers; a non-numeric first line is a header that must name the features
Feature names: preprocess.params.feature_names, else the declared context's columns, else f0, f1, ….
Nothing is uploaded: the manifest on disk changes, and with it the version's identity.`,
    options: [
      ["--bins K", "bins per feature, 2-100 (default 10)"],
      ["--task T", "also set monitoring.task: binary (AUC, log loss, Brier) or regression (MAE, RMSE)"],
    ],
    examples: [
      "npm run models -- baseline dist/seattle_weather/1 /tmp/weather-train.jsonl --task binary",
      "npm run models -- baseline my_model/1 train-features.csv --bins 20",
    ],
    notes:
      "Then publish the directory as a new version (npm run models -- publish), or npm run models:bundle for a bundled one.",
  },
};
