"""The batched trust paths equal the formulas they replace (issue 14).

Integrated gradients against captum's ``IntegratedGradients``; deletion and insertion
curves against a copy-per-step reference; parameter randomisation against a reference
that attributes a fresh deep copy at every step; the trust table's shared targets and
progress bar.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnscope.estimators import CNNClassifier


@pytest.fixture(scope="module")
def cnn(small_dna):
    est = CNNClassifier(n_filters=8, epochs=2, random_state=0, verbose=False)
    est.fit(small_dna.subset(np.arange(240)))
    return est, small_dna.subset(np.arange(240, 300))


RULES = ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"]


@pytest.mark.parametrize("rule", RULES)
def test_integrated_gradients_equal_captum(cnn, rule):
    from captum.attr import IntegratedGradients

    from attnscope.explain import attribute

    est, data = cnn
    ours = attribute(est, data, method="integrated_gradients", n_steps=13, rule=rule)
    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach()
    ref, delta = IntegratedGradients(spec.forward).attribute(
        x,
        baselines=spec.baselines[0],
        target=torch.as_tensor(ours.target),
        n_steps=13,
        method=rule,
        return_convergence_delta=True,
    )
    expect = spec.to_features((ref,))
    np.testing.assert_allclose(ours.values, expect, rtol=1e-4, atol=1e-6)
    assert ours.meta["convergence_delta_max"] == pytest.approx(float(delta.abs().max()), abs=1e-5)
