"""Seed studies on Ray: a local Ray of 2 CPUs gives the in-process study's figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnscope.errors import ConfigError

ray = pytest.importorskip(
    "ray",
    reason="Ray is not installed (pip install 'attnscope[scale]'); the Ray engine is optional",
)


def test_ray_engine_gives_the_in_process_figures():
    from attnscope.run._consistency import run_consistency
    from attnscope.sim import simulate_timeseries

    data = simulate_timeseries(
        120, n_times=8, n_variables=4, n_informative=2, window=(4, 8), random_state=3
    )
    settings = dict(
        n_variants=4,
        member_chunk=2,  # two chunks: one per Ray worker
        methods=("attention", "integrated_gradients"),
        params={"epochs": 2, "hidden": 6, "attention_dim": 4},
        top_k=5,
        n_explain=10,
        ig_steps=4,
        time_standalone=False,
    )
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the Ray tasks run one thread each
    try:
        local = run_consistency(data, **settings)
    finally:
        torch.set_num_threads(before)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = run_consistency(data, engine="ray", **settings)
    finally:
        ray.shutdown()
    assert remote["engine"] == "ray" and local["engine"] == "local"
    np.testing.assert_array_equal(remote["predictive"]["auroc"], local["predictive"]["auroc"])
    np.testing.assert_array_equal(remote["target"], local["target"])
    for name in ("attention", "integrated_gradients"):
        for metric, values in local["per_sample"][name].items():
            np.testing.assert_allclose(
                remote["per_sample"][name][metric], values, rtol=1e-6, err_msg=metric
            )
        assert remote["summary"][name] == local["summary"][name]


def test_ray_engine_refuses_the_generic_path():
    from attnscope.run._consistency import run_consistency
    from attnscope.sim import simulate_expression

    data = simulate_expression(40, n_genes=80, random_state=0)
    with pytest.raises(ConfigError, match="batched attention-LSTM path"):
        run_consistency(data, model="mlp", n_variants=2, engine="ray")
    with pytest.raises(ConfigError, match="engine must be"):
        run_consistency(data, model="mlp", n_variants=2, engine="spark")
