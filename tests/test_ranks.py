"""The project's one ranking function equals scipy's ``rankdata`` (its fast path included)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from scipy.stats import rankdata

from attnscope.metrics._agreement import average_ranks, rank_correlation_rows

_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
_FEW = st.sampled_from([0.0, -0.0, 1.0, 2.5, np.nan, np.inf])  # many ties


@given(
    arrays(
        np.float64,
        array_shapes(min_dims=1, max_dims=3, max_side=9),
        elements=st.one_of(_FLOATS, _FEW),
    )
)
def test_average_ranks_equal_scipy_on_floats(x):
    np.testing.assert_array_equal(average_ranks(x), rankdata(x, axis=-1))


@given(
    arrays(np.int64, array_shapes(min_dims=1, max_dims=2, max_side=12), elements=st.integers(-3, 3))
)
def test_average_ranks_equal_scipy_on_integers(x):
    np.testing.assert_array_equal(average_ranks(x), rankdata(x, axis=-1))


def test_rank_correlation_of_distinct_maps_is_spearman():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 40, 25))
    rho = rank_correlation_rows(a, b)
    np.testing.assert_allclose(rho, [spearmanr(a[i], b[i])[0] for i in range(40)])
