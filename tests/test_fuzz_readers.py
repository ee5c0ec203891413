"""Property: a mutated valid file gives a valid Dataset or one DataError/ConfigError naming it.

Every reader format starts from a small valid file (``tests/_hostile.py``); hypothesis
applies one to three mutations (truncation, flipped or inserted bytes, dropped or
duplicated lines, another delimiter, NaN/inf/huge/non-UTF-8 tokens, a BOM or UTF-16,
CRLF/CR line ends, gzip/bzip2/xz compression, truncated or not). Any other exception (a
traceback for the user) fails the test. The examples are derandomised (see conftest.py).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _hostile import OPS, SEEDS, options_for, seed, write_seed
from attnscope.data import Dataset, MultiOmicsDataset, TabularDataset, TimeSeriesDataset
from attnscope.errors import ConfigError, DataError

_OP = st.tuples(st.sampled_from(OPS), st.floats(0, 1), st.integers(0, 10_000))


def _read(fmt: str, path: Path, options: dict) -> object:
    from attnscope.io import read_data, read_gmt

    if fmt == "gmt":
        return read_gmt(path)
    return read_data(path, format=fmt, **options)


def _check_valid(result: object) -> None:
    if isinstance(result, dict):  # gene sets
        assert result and all(isinstance(v, list) and v for v in result.values())
        return
    assert isinstance(result, Dataset)
    n = len(result)
    assert n > 0
    if result.labels is not None:
        assert result.labels.shape == (n,)
        assert result.labels.min() >= 0 and result.labels.max() < result.n_classes
    arrays = []
    if isinstance(result, TabularDataset):
        arrays.append(result.X)
    if isinstance(result, TimeSeriesDataset):
        arrays += [result.values, result.static]
    if isinstance(result, MultiOmicsDataset):
        arrays += list(result.omics.values())
    for arr in arrays:
        assert arr.shape[0] == n
        assert np.isfinite(arr).all(), "a reader returned NaN/inf values"


def _names_file(message: str, folder: Path, seed_read: str) -> bool:
    return str(folder) in message or seed_read in message


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_files_are_valid(name):
    spec = seed(name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_seed(spec, folder, [])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check_valid(_read(spec.fmt, path, options_for(spec, folder)))


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=50)
@given(ops=st.lists(_OP, min_size=1, max_size=3))
def test_mutated_file_is_read_or_refused_naming_it(name, ops):
    spec = seed(name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_seed(spec, folder, ops)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = _read(spec.fmt, path, options_for(spec, folder))
        except (DataError, ConfigError) as exc:
            message = str(exc)
            assert "\n" not in message, f"multi-line message: {message!r}"
            assert _names_file(message, folder, spec.read), f"file not named: {message!r}"
            return
        _check_valid(result)
