#!/usr/bin/python3
"""Reference values for the live-quality and drift figures (src/core/monitoring, issue 19).

Run with Debian's Python and its packages (apt-get install -y python3-sklearn python3-scipy):

    /usr/bin/python3 scripts/references/monitoring.py > test/fixtures/monitoring-reference.json

It draws fixed data (numpy seed 19) and writes the data together with what scikit-learn, scipy and
numpy answer on it, and their versions. test/unit/monitoring-reference.test.ts checks the exact
TypeScript figures against these answers and the binned (mergeable) ones within their bounds.
"""
import json
import sys

import numpy as np
import scipy
import sklearn
from scipy.spatial.distance import jensenshannon
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss, mean_absolute_error, mean_squared_error, roc_auc_score

rng = np.random.default_rng(19)


def binary_case(n, ties):
    y = rng.binomial(1, 0.3, n)
    logit = rng.normal(0, 1, n) + 1.2 * y - 0.8
    p = 1 / (1 + np.exp(-logit))
    if ties:
        p = np.round(p, 2)  # many exact ties, some at 0.0 / 1.0 borders of bins
    p[:3] = [0.0, 1.0, 1e-17]  # clipped by log_loss
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], p), minlength=10)
    return {
        "y": y.tolist(),
        "p": p.tolist(),
        "roc_auc_score": roc_auc_score(y, p),
        "log_loss": log_loss(y, p),
        "brier_score_loss": brier_score_loss(y, p),
        "calibration_curve": {
            "prob_true": prob_true.tolist(),
            "prob_pred": prob_pred.tolist(),
            "counts": counts.tolist(),
        },
    }


def regression_case(n):
    y = rng.normal(10, 3, n)
    pred = y + rng.normal(0.5, 2, n)
    return {
        "y": y.tolist(),
        "pred": pred.tolist(),
        "mean_absolute_error": mean_absolute_error(y, pred),
        "root_mean_squared_error": float(np.sqrt(mean_squared_error(y, pred))),
    }


def drift_case():
    train = rng.normal(0, 1, 5000)
    served = rng.normal(0.3, 1.2, 3000)
    # 10 quantile bins: interior edges at the deciles (numpy's default "linear" method)
    edges = np.unique(np.quantile(train, np.linspace(0.1, 0.9, 9)))
    expected = np.bincount(np.searchsorted(edges, train, side="right"), minlength=len(edges) + 1) / len(train)
    actual_counts = np.bincount(np.searchsorted(edges, served, side="right"), minlength=len(edges) + 1)
    actual = actual_counts / actual_counts.sum()
    # PSI as Evidently's psi stattest computes it: zero shares replaced by 0.0001
    e = np.where(expected == 0, 0.0001, expected)
    a = np.where(actual == 0, 0.0001, actual)
    # a categorical feature with an empty served bin (exercises the epsilon)
    cat_train = rng.choice([0, 1, 2, 3], 4000, p=[0.4, 0.3, 0.2, 0.1])
    cat_served = rng.choice([0, 1, 2], 1000, p=[0.2, 0.3, 0.5])
    cat_edges = np.array([0.5, 1.5, 2.5])
    ce = np.bincount(np.searchsorted(cat_edges, cat_train, side="right"), minlength=4) / len(cat_train)
    cc = np.bincount(np.searchsorted(cat_edges, cat_served, side="right"), minlength=4)
    ca = cc / cc.sum()
    ce_, ca_ = np.where(ce == 0, 0.0001, ce), np.where(ca == 0, 0.0001, ca)
    return {
        "train": train.tolist(),
        "served": served.tolist(),
        "edges": edges.tolist(),
        "expected_shares": expected.tolist(),
        "served_counts": actual_counts.tolist(),
        "psi": float(np.sum((a - e) * np.log(a / e))),
        "jensenshannon": float(jensenshannon(expected, actual)),
        "jensenshannon_base2": float(jensenshannon(expected, actual, base=2)),
        "categorical": {
            "train": cat_train.tolist(),
            "served": cat_served.tolist(),
            "edges": cat_edges.tolist(),
            "expected_shares": ce.tolist(),
            "served_counts": cc.tolist(),
            "psi": float(np.sum((ca_ - ce_) * np.log(ca_ / ce_))),
            "jensenshannon": float(jensenshannon(ce, ca)),
        },
    }


def latency_case():
    ms = rng.lognormal(3, 1, 4000)
    ms[:5] = [0.0, 0.0004, 2e6, 12.0, 12.0]
    qs = [0.5, 0.95, 0.99]
    return {
        "ms": ms.tolist(),
        "quantiles": {str(q): float(np.quantile(ms, q, method="lower")) for q in qs},
    }


out = {
    "generated_by": "scripts/references/monitoring.py",
    "versions": {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    },
    "binary": binary_case(3000, ties=False),
    "binary_ties": binary_case(2000, ties=True),
    "regression": regression_case(2000),
    "drift": drift_case(),
    "latency": latency_case(),
}
json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
sys.stdout.write("\n")
