"""The Raindrop-splits benchmark: parts restricted to the stays held, validation-only choice."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture()
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import physionet_raindrop

    return physionet_raindrop


def test_split_parts_keep_only_the_stays_held_and_count_the_rest(bench):
    from attnscope.sim import simulate_timeseries

    data = simulate_timeseries(6, n_times=4, n_variables=3, window=(2, 4), random_state=0)
    data = dataclasses.replace(data, sample_ids=np.array(["30", "10", "20", "60", "50", "40"]))
    table = pd.DataFrame(
        {
            "split": [1, 1, 1, 1, 1, 1, 2],
            "part": ["train", "train", "train", "val", "test", "test", "train"],
            "record_id": [40, 99, 10, 30, 98, 60, 20],  # 99, 98: set-c, not held
        }
    )
    parts, counts = bench.split_parts(data, table, 1)
    assert parts["train"].tolist() == [1, 5]  # stays 10 and 40, in data order
    assert parts["val"].tolist() == [0] and parts["test"].tolist() == [3]
    assert counts == {
        "train_kept": 2,
        "train_absent": 1,
        "val_kept": 1,
        "val_absent": 0,
        "test_kept": 1,
        "test_absent": 1,
    }


def _result(split: int, rng: np.random.Generator, good: str) -> dict:
    y = np.array([0, 0, 0, 1, 1, 0, 1, 0])
    signal = y + 0.01 * rng.random(8)
    noise = rng.random((2, 8))
    return {
        "split": split,
        "y_val": y,
        "attn": {
            name: {"val_p": np.stack([signal, signal]) if name == good else noise}
            for name in ("b256", "h32")
        },
        # test-part scores of the boosting baseline: never part of the validation record
        "boosting": {"auroc": 0.99, "auprc": 0.99, "seconds": 1.0},
    }


@pytest.mark.parametrize("good", ["b256", "h32"])
def test_selection_uses_validation_only(bench, monkeypatch, good):
    monkeypatch.setattr(sys, "argv", ["benchmarks/physionet_raindrop.py", "--select"])
    rng = np.random.default_rng(0)
    results = [_result(s, rng, good) for s in (1, 2)]
    args = argparse.Namespace(candidates=["b256", "h32"], splits=[1, 2], members=2, train={})
    record = bench.selection_record(results, args)
    assert record["chosen"] == good
    assert record["validation"][f"{good} (ensemble)"]["auroc"] == 1.0
    assert not any("boosting" in k for k in record["validation"])
    # its origin: the commit and run id, and the docs say so only when one is missing
    assert len(record["run_id"]) == 36 and record["command"].endswith("--select")
    assert "commit" in record and "its commit was not recorded" not in bench.markdown(
        {"rows": [], "selection_rounds": [{**record, "commit": "abc"}]}
    )
    unrecorded = {**record, "commit": None}
    text = bench.markdown({"rows": [], "selection_rounds": [unrecorded]})
    assert "its commit was not recorded" in text


def test_markdown_labels_our_rows_a_plus_b_and_published_a_plus_b_plus_c(bench):
    sys.path.insert(0, str(BENCH))
    try:
        from _common import row
    finally:
        sys.path.pop(0)
    rows = [
        row("d", "gru (1 seed)", "auroc", [0.8, 0.82], 1.0),
        row("d", "gru (1 seed)", "auprc", [0.4, 0.5], 1.0),
    ]
    text = bench.markdown({"rows": rows, "published": {"auroc": bench.PUBLISHED}})
    assert "| gru (1 seed), sets a+b only | 81.0 ± 1.4 | 45.0 ± 7.1 | 2 |" in text
    assert "| mTAND (published, sets a+b+c) | 84.2 |" in text


def test_paired_rows_match_scipy_and_holm_by_hand(bench):
    from scipy import stats

    sys.path.insert(0, str(BENCH))
    try:
        from _common import row
    finally:
        sys.path.pop(0)
    attn = [0.80, 0.82, 0.84, 0.86, 0.88]
    gb = [0.79, 0.80, 0.84, 0.83, 0.89]
    gru = [0.70, 0.71, 0.72, 0.73, 0.74]  # attention ahead by 0.10 + k/100 on every split
    rows = [
        row("d", "attn_lstm (x, 1 seed)", "auroc", attn, 1.0),
        row("d", bench.GB, "auroc", gb, 1.0),
        row("d", "gru (1 seed)", "auroc", gru, 1.0),
    ]
    out = {r["variant"]: r for r in bench.paired_rows(rows)}
    vs_gb = out[f"attn_lstm (x, 1 seed) vs {bench.GB}"]
    np.testing.assert_allclose(vs_gb["values"], np.subtract(attn, gb))
    assert (vs_gb["wins"], vs_gb["losses"]) == (3, 1)
    t_gb = stats.ttest_rel(attn, gb).pvalue
    t_gru = stats.ttest_rel(attn, gru).pvalue
    assert vs_gb["paired_t_p"] == pytest.approx(t_gb)
    # Holm over two tests: the smaller p doubled, the larger kept (and never below it)
    small, large = sorted([t_gb, t_gru])
    holm = {small: min(1, 2 * small), large: max(min(1, 2 * small), large)}
    assert vs_gb["paired_t_p_holm"] == pytest.approx(holm[t_gb])
    assert out["attn_lstm (x, 1 seed) vs gru (1 seed)"]["paired_t_p_holm"] == pytest.approx(
        holm[t_gru]
    )
    text = bench.markdown({"rows": rows + list(out.values()), "published": {}})
    assert f"| attn_lstm (x, 1 seed) vs {bench.GB} | +1.0 ± " in text


def test_paired_equal_differences_are_decisive_not_p_one():
    sys.path.insert(0, str(BENCH))
    try:
        from _common import paired
    finally:
        sys.path.pop(0)
    assert paired([1.0, 0.75, 0.5], [0.5, 0.25, 0.0])["paired_t_p"] == 0.0
    assert paired([0.9, 0.8], [0.9, 0.8])["paired_t_p"] == 1.0
