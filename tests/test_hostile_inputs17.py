"""Hostile inputs, round 14 (file 17): options whose default hid an explicit choice, a
user's module that returns probabilities, labels files with extra samples, and more.

CLI cases assert exit status 2, one ``error:`` line naming the fault and that nothing was
written (``one_error``); library cases assert the DataError / ConfigError and its key phrase.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run
from attnscope.errors import ConfigError

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(17).normal(size=(24, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]


def _expression(path: Path, n: int = 24) -> Path:
    head = ["sample", "label", *_GENES]
    rows = [[f"p{i}", _LABELS[i], *map(str, _X[i])] for i in range(n)]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n")
    return path


# ------------------------------------------------------------------- consistency --batched
def test_an_explicit_batched_for_a_model_without_one_is_refused(tmp_path, capsys, monkeypatch):
    """``--batched`` (its default was True) was silently ignored for mlp: the study trained
    the variants one by one and said nothing."""

    def no_training(*args, **kwargs):
        raise AssertionError("variants were trained before the options were checked")

    monkeypatch.setattr("attnscope.run._consistency.SeedStudy", no_training)
    out = tmp_path / "study"
    data = str(_expression(tmp_path / "e.csv"))
    argv = ["consistency", data, "--label-col", "label", "--model", "mlp", "--seeds", "2"]
    code = run([*argv, "--batched", "--top-k", "3", "--out", str(out)])
    err = one_error(code, capsys.readouterr().err, out)
    assert "--batched trains attn_lstm variants as one batched ensemble; model 'mlp'" in err
    assert "drop --batched" in err
    from attnscope.io import read_expression
    from attnscope.run._consistency import run_consistency

    table = read_expression(tmp_path / "e.csv", label_col="label")
    with pytest.raises(ConfigError, match="batched=True trains attn_lstm variants"):
        run_consistency(table, model="mlp", n_variants=2, top_k=3, batched=True)
