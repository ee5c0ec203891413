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


def test_deletion_and_insertion_equal_a_copy_per_step_reference(cnn):
    from attnscope.explain import attribute
    from attnscope.trust import deletion_curve, insertion_curve

    est, data = cnn
    attr = attribute(est, data, method="saliency")
    fr = np.linspace(0, 1, 7)
    spec = est.attribution_spec(data)
    (x,) = spec.raw_inputs
    order = np.argsort(-attr.values, axis=1, kind="stable")  # most positive first
    length = attr.values.shape[1]
    expect = {False: np.empty((len(data), len(fr))), True: np.empty((len(data), len(fr)))}
    with torch.no_grad():
        for j, f in enumerate(fr):  # the old formula: one masked copy of the data per step
            top = np.zeros(attr.values.shape, dtype=bool)
            np.put_along_axis(top, order[:, : round(f * length)], True, axis=1)
            for keep_top in (False, True):
                mask = torch.as_tensor(~top if keep_top else top)
                (removed,) = spec.remove((x.clone(),), mask)
                p = torch.softmax(spec.raw_forward(removed), dim=1)
                expect[keep_top][:, j] = p[np.arange(len(data)), attr.target].numpy()
    dele = deletion_curve(est, data, attr, fractions=fr, batch_size=25)
    ins = insertion_curve(est, data, attr, fractions=fr)
    np.testing.assert_allclose(dele.scores, expect[False], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ins.scores, expect[True], rtol=1e-5, atol=1e-6)


def test_parameter_randomisation_equals_a_deep_copy_reference_and_restores(cnn):
    import copy

    from attnscope.explain import attribute, attribute_spec
    from attnscope.metrics import rank_correlation_rows
    from attnscope.trust import layer_order, parameter_randomisation

    est, data = cnn
    before = {k: v.clone() for k, v in est.module_.state_dict().items()}
    attr = attribute(est, data, method="input_x_gradient")
    res = parameter_randomisation(est, data, method="input_x_gradient", attribution=attr)
    after = est.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the model is restored

    # the former implementation: a deep copy randomised layer by layer, re-attributed
    twin = copy.deepcopy(est)
    modules = dict(twin.module_.named_modules())
    expect = []
    names = layer_order(twin.module_, twin.attribution_spec(data))
    for i, name in enumerate(names):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(i)
            modules[name].reset_parameters()
        new = attribute_spec(
            twin, twin.attribution_spec(data), method="input_x_gradient", target=attr.target
        )
        rho = rank_correlation_rows(np.abs(attr.values), np.abs(new.values))
        expect.append(np.nanmean(rho))
    np.testing.assert_allclose(res.correlations, expect, rtol=1e-6)
    assert res.steps == names and len(names) >= 4


def test_parameter_randomisation_restores_the_model_when_the_method_fails(cnn, monkeypatch):
    import attnscope.explain as explain
    from attnscope.trust import parameter_randomisation

    est, data = cnn
    before = {k: v.clone() for k, v in est.module_.state_dict().items()}
    attr = explain.attribute(est, data, method="saliency")

    def boom(*args, **kwargs):
        raise RuntimeError("method failed")

    monkeypatch.setattr(explain, "attribute_spec", boom)
    with pytest.raises(RuntimeError, match="method failed"):
        parameter_randomisation(est, data, method="saliency", attribution=attr)
    after = est.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_trust_table_predicts_once_and_reports_every_method(cnn, monkeypatch):
    import attnscope.explain._core as core
    from attnscope.trust import trust_table

    est, data = cnn
    calls = []
    real = core.predicted_targets

    def counted(spec, *args, **kwargs):
        calls.append(spec.n_samples)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(core, "predicted_targets", counted)
    methods = ["random", "saliency", "integrated_gradients", "occlusion", "kernel_shap"]
    seen = []
    rows = trust_table(
        est,
        data,
        methods=methods,
        n_samples=40,
        sanity_samples=8,
        stability_samples=4,
        label_randomisation=False,
        method_options={"integrated_gradients": {"n_steps": 8}, "kernel_shap": {"n_samples": 64}},
        progress=lambda name, row: seen.append((name, row["status"])),
    )
    assert calls == [40]  # once per (model, data), not once per method or metric
    assert seen == [(m, "ok") for m in methods]
    assert [r["method"] for r in rows] == methods


def test_integrated_gradients_do_not_depend_on_the_chunking(cnn):
    from attnscope.explain import attribute

    est, data = cnn
    auto = attribute(est, data, method="integrated_gradients", n_steps=9)
    for batch_size in (1, 7, 1000):  # samples per chunk; path points per pass follow
        other = attribute(est, data, method="ig", n_steps=9, batch_size=batch_size)
        np.testing.assert_allclose(other.values, auto.values, rtol=1e-5, atol=1e-7)
