"""Property: ``attnscope fit`` on a mutated file exits 0 with a complete run directory, or
exits 2 with one ``error:`` line and leaves no run directory behind.

Runs the real entry point (:func:`attnscope.cli.run`) in-process on mutations of small
FASTA, sequence-table and expression files (see ``tests/_hostile.py``), with a one-epoch
model so each example trains in about a second.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from _hostile import OPS, seed, write_seed
from attnscope.cli import run

_OP = st.tuples(st.sampled_from(OPS), st.floats(0, 1), st.integers(0, 10_000))
_RUN_FILES = {"config.toml", "metrics.json", "model.json", "model.safetensors", "split.json"}
_CASES = {
    "fasta": ("cnn", ["--config", "{folder}/fit.toml"]),
    "seqtable": ("cnn", []),
    "expression_csv": ("mlp", ["--label-col", "label"]),
}


@settings(max_examples=12)
@given(name=st.sampled_from(sorted(_CASES)), ops=st.lists(_OP, min_size=1, max_size=2))
def test_fit_on_mutated_file_is_complete_or_one_error_line(name, ops):
    spec = seed(name)
    model, extra = _CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_seed(spec, folder, ops)
        (folder / "fit.toml").write_text('[data]\nlabel_field = "label"\n')
        out = folder / "run"
        args = ["fit", str(path), "--model", model, "--out", str(out)]
        args += ["--set", "epochs=1", "--set", "batch_size=8"]
        args += [a.format(folder=folder) for a in extra]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = run(args)
        err = stderr.getvalue()
        lines = err.splitlines()
        assert "Traceback" not in err and "internal error" not in err, err
        assert all(ln.startswith(("error: ", "warning: ")) for ln in lines), err
        if code == 0:
            assert not [ln for ln in lines if ln.startswith("error: ")], err
            assert _RUN_FILES <= {p.name for p in out.iterdir()}, sorted(out.iterdir())
        else:
            assert code == 2, (code, err)
            assert len([ln for ln in lines if ln.startswith("error: ")]) == 1, err
            assert not out.exists(), sorted(out.iterdir())
