#!/usr/bin/env python3
"""Reference values for the rollout rule's statistics (src/core/rollouts/stats.ts, issue 20).

Run with a Python that has numpy and scipy (Debian: apt-get install -y python3-scipy):

    python3 scripts/references/rollouts.py > test/fixtures/rollouts-reference.json

It draws fixed data (numpy seed 20): per-row losses of a canary and a stable arm (log loss and Brier
of scores against 0/1 outcomes), and writes them with what scipy answers on them: Welch's one-sided
upper confidence bound on mean(canary) - mean(stable) (`ttest_ind(equal_var=False,
alternative="less").confidence_interval`), its degrees of freedom, Student t and normal quantiles,
and Wilson's score lower bounds (`binomtest(...).proportion_ci(method="wilson")`).
test/unit/rollouts-stats.test.ts checks the TypeScript figures, computed from the per-arm moments
(count, sum, sum of squares) alone, against these.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20)
EPS = np.finfo(float).eps


def arm(n, shift):
    y = rng.binomial(1, 0.25, n)
    logit = rng.normal(0, 1, n) + 1.5 * y - 1.2 + shift * rng.normal(0, 1, n)
    p = np.round(1 / (1 + np.exp(-logit)), 6)
    pc = np.clip(p, EPS, 1 - EPS)
    log_loss = -(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    brier = (p - y) ** 2
    return {"scores": p.tolist(), "labels": y.tolist(), "log_loss": log_loss, "brier": brier}


def welch(a, b, confidence):
    res = stats.ttest_ind(a, b, equal_var=False, alternative="less")
    ci = res.confidence_interval(confidence)
    return {"estimate": float(np.mean(a) - np.mean(b)), "upper": float(ci.high), "df": float(res.df)}


cases = []
for n_canary, n_stable, shift, confidence in [(60, 900, 0.0, 0.95), (500, 4000, 0.8, 0.95), (2000, 2000, 0.3, 0.99), (7, 11, 1.0, 0.9)]:
    c = arm(n_canary, shift)
    s = arm(n_stable, 0.0)
    cases.append(
        {
            "confidence": confidence,
            "canary": {"scores": c["scores"], "labels": c["labels"]},
            "stable": {"scores": s["scores"], "labels": s["labels"]},
            "log_loss": welch(c["log_loss"], s["log_loss"], confidence),
            "brier": welch(c["brier"], s["brier"], confidence),
        }
    )

quantiles = []
for p in [0.9, 0.95, 0.975, 0.99, 0.999, 0.05]:
    for df in [1, 2.5, 7, 30.7, 500, 1e5]:
        quantiles.append({"p": p, "df": df, "t": float(stats.t.ppf(p, df))})

normal = [{"p": p, "z": float(stats.norm.ppf(p))} for p in [0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999, 0.01]]

wilson = []
for k, n, confidence in [(0, 10, 0.95), (3, 3, 0.95), (5, 200, 0.95), (1, 1000, 0.99), (40, 100, 0.9), (12, 1000, 0.95)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=2 * confidence - 1, method="wilson")
    wilson.append({"k": k, "n": n, "confidence": confidence, "low": float(ci.low)})

out = {
    "generated_by": "scripts/references/rollouts.py",
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
    "welch": cases,
    "t_quantiles": quantiles,
    "normal_quantiles": normal,
    "wilson": wilson,
}
json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
sys.stdout.write("\n")
