"""Sanity checks (Adebayo et al., NeurIPS 2018): an explanation must depend on the model.

Cascading parameter randomisation re-initialises the layers from the output back to the
input, one more at a time (in place; the weights are restored afterwards); label
randomisation retrains on permuted labels. Both report the per-sample Spearman rank
correlation between ``|a|`` of the original and of the randomised model. A method passes
when the correlation with the fully randomised model is below ``threshold`` (default
0.5): its map changed when the model lost what it learned. A map that barely changes
(correlation near 1) reflects the input or the architecture, not the learned function. A
randomised map that is constant (e.g. a Lasso surrogate with every coefficient zero) has
no rank order and counts as correlation 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

import numpy as np
import torch
from torch import nn

from attnscope._utils.random import check_random_state
from attnscope.errors import ConfigError, DataError
from attnscope.metrics._agreement import centred_ranks, correlation_of_centred

__all__ = [
    "SANITY_THRESHOLD",
    "SanityResult",
    "label_randomisation",
    "layer_order",
    "parameter_randomisation",
    "permuted_label_model",
]

#: A method passes a sanity check when the mean Spearman correlation is below this.
SANITY_THRESHOLD = 0.5


class SanityResult(NamedTuple):
    """Outcome of a randomisation check.

    Attributes
    ----------
    steps : list of str
        Layers randomised cumulatively (output first), or ``["labels"]``.
    correlations : ndarray of shape (n_steps,)
        Mean over samples of the Spearman correlation of ``|a|`` with the original.
    correlation : float
        The last step's correlation (fully randomised model).
    passed : bool
        ``correlation < threshold``.
    """

    steps: list[str]
    correlations: np.ndarray
    correlation: float
    passed: bool


#: layer_order's probe results: module -> (its layout, the spec's forward, the order)
_ORDERS: WeakKeyDictionary[nn.Module, tuple[Any, Any, list[str]]] = WeakKeyDictionary()


def layer_order(module: nn.Module, spec: Any) -> list[str]:
    """Names of the modules holding parameters, from the output back to the input.

    The order is the execution order of one probe forward pass (reversed), so it follows
    the architecture whatever order the modules were defined in. It is probed once per
    module layout and forward (a trust table randomises the same model for every method).
    """
    layout = tuple(
        (name, id(m), sum(1 for _ in m.parameters(recurse=False)))
        for name, m in module.named_modules()
    )
    # the forward's code only: a value that referenced the module would keep its own
    # weak key alive; a forward without code (a partial) is probed every time
    forward = getattr(spec.raw_forward, "__code__", None)
    known = _ORDERS.get(module)
    if forward is not None and known is not None and known[:2] == (layout, forward):
        return list(known[2])
    order = _probe_order(module, spec)
    if forward is not None:
        _ORDERS[module] = (layout, forward, order)
    return list(order)


def _probe_order(module: nn.Module, spec: Any) -> list[str]:
    seen: list[str] = []
    names = {id(m): name for name, m in module.named_modules()}
    hooks = []
    for m in module.modules():
        if any(True for _ in m.parameters(recurse=False)):
            hooks.append(
                m.register_forward_hook(
                    lambda mod, i, o: (
                        seen.append(names[id(mod)]) if names[id(mod)] not in seen else None
                    )
                )
            )
    try:
        with torch.no_grad():
            spec.raw_forward(*(t[:2] for t in spec.raw_inputs))
    finally:
        for h in hooks:
            h.remove()
    return seen[::-1]


def _mean_rho(original: np.ndarray, new: np.ndarray) -> float:
    """Mean per-sample Spearman of ``|a|`` with the original's :func:`centred_ranks`.

    A constant new map counts as 0 (no order).
    """
    flat = np.abs(np.asarray(new, dtype=np.float64)).reshape(len(new), -1)
    rho = correlation_of_centred(original, centred_ranks(flat))
    undefined = np.isnan(rho)
    if not undefined.any():
        return float(rho.mean())
    rho = np.where(undefined & (np.ptp(flat, axis=1) == 0), 0.0, rho)
    return float(np.nanmean(rho)) if np.isfinite(rho).any() else float("nan")


def _reinit(module: nn.Module, gen_seed: int) -> None:
    from attnscope.core import seeded

    with seeded(gen_seed), torch.no_grad():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()  # type: ignore[operator]
            return
        for p in module.parameters(recurse=False):
            nn.init.normal_(p, std=float(p.std()) if p.numel() > 1 else 0.02)


@contextmanager
def _restored(modules: list[nn.Module]) -> Iterator[None]:
    """Let the block re-initialise ``modules``; put their own weights and buffers back.

    Only the tensors the cascade touches are copied (no state dict of the whole network,
    no deep copy of the estimator), and they are restored in place.
    """
    held = [t for m in modules for t in (*m.parameters(recurse=False), *m.buffers(recurse=False))]
    saved = [t.detach().clone() for t in held]
    try:
        yield
    finally:
        with torch.no_grad():
            for t, v in zip(held, saved):
                t.copy_(v)


def _original(
    estimator: Any, spec: Any, method: str, attribution: Any, options: dict[str, Any]
) -> Any:
    from attnscope.explain import without_base_values
    from attnscope.trust._shard import spec_attribution

    if attribution is not None:
        if attribution.n_samples != int(spec.raw_inputs[0].shape[0]):
            raise DataError("the attribution must cover the same samples as the data.")
        return attribution
    with without_base_values():  # only compared, never added up
        return spec_attribution(estimator, spec, method=method, **options)


def parameter_randomisation(
    estimator: Any,
    data: Any,
    *,
    method: str,
    attribution: Any = None,
    cascade: bool = True,
    threshold: float = SANITY_THRESHOLD,
    random_state: int = 0,
    **options: Any,
) -> SanityResult:
    """Cascading model-parameter randomisation test.

    Parameters
    ----------
    estimator : BaseClassifier
        Fitted; its layers are randomised in place and restored afterwards (also when the
        method fails), so no copy of the model is made.
    data : Dataset
    method : str
        Attribution method name.
    attribution : Attribution, optional
        The original model's attribution of ``data`` (computed when absent).
    cascade : bool, default True
        Report every step (output layer, then also the next, ...); False jumps straight
        to the fully randomised network.
    threshold : float, default 0.5
    random_state : int, default 0
        Seeds the re-initialisation and the method.
    **options
        Passed to the method.

    Returns
    -------
    SanityResult
    """
    from attnscope.core import reused_probes
    from attnscope.explain import without_base_values
    from attnscope.trust._shard import spec_attribution

    data = estimator.as_dataset(data)
    spec = estimator.attribution_spec(data)
    original = _original(
        estimator, spec, method, attribution, {"random_state": random_state, **options}
    )
    module = estimator.module_
    modules = dict(module.named_modules())
    order = layer_order(module, spec)
    if not order:
        raise ConfigError(f"{type(estimator).__name__} has no parameters to randomise.")
    steps: list[str] = []
    corrs: list[float] = []
    ranks = centred_ranks(np.abs(np.asarray(original.values, dtype=np.float64)))
    # the cascade changes weights, never shapes: one memory probe serves every step
    with _restored([modules[name] for name in order]), reused_probes(), without_base_values():
        for i, name in enumerate(order):
            _reinit(modules[name], int(random_state) * 1000 + i)
            if not cascade and i < len(order) - 1:
                continue
            new = spec_attribution(  # under torchrun: one block of samples per rank
                estimator,
                # rebuilt: a token model's spec holds embeddings of the randomised network
                estimator.attribution_spec(data),
                method=method,
                target=original.target,
                random_state=random_state,
                **options,
            )
            steps.append(name or "<root>")
            corrs.append(_mean_rho(ranks, new.values))
    final = corrs[-1]
    return SanityResult(steps, np.asarray(corrs), final, bool(final < threshold))


def label_randomisation(
    estimator: Any,
    data: Any,
    *,
    method: str | list[str],
    attribution: Any = None,
    epochs: int = 5,
    threshold: float = SANITY_THRESHOLD,
    random_state: int = 0,
    retrained: Any = None,
    **options: Any,
) -> dict[str, SanityResult]:
    """Data randomisation test: retrain on permuted labels, compare the attributions.

    Parameters
    ----------
    method : str or list of str
        One or several methods (the model is retrained once).
    attribution : Attribution or dict of str -> Attribution, optional
        Original attributions (computed when absent).
    epochs : int, default 5
        Training budget of the permuted-label model (it only needs to fit noise a little).
    retrained : BaseClassifier, optional
        A model already trained on permuted labels (reused across calls).

    Returns
    -------
    dict of str -> SanityResult
        One per method, with the single step ``"labels"``.
    """
    from attnscope.explain import without_base_values
    from attnscope.trust._shard import spec_attribution

    data = estimator.as_dataset(data)
    methods = [method] if isinstance(method, str) else list(method)
    if retrained is None:
        retrained = permuted_label_model(estimator, data, epochs=epochs, random_state=random_state)
    spec = estimator.attribution_spec(data)
    rspec = retrained.attribution_spec(data)
    out: dict[str, SanityResult] = {}
    for m in methods:
        given = attribution.get(m) if isinstance(attribution, dict) else attribution
        orig = _original(estimator, spec, m, given, {"random_state": random_state, **options})
        with without_base_values():
            new = spec_attribution(
                retrained, rspec, method=m, target=orig.target, random_state=random_state, **options
            )
        rho = _mean_rho(centred_ranks(np.abs(orig.values)), new.values)
        out[m] = SanityResult(["labels"], np.array([rho]), rho, bool(rho < threshold))
    return out


def permuted_label_model(
    estimator: Any, data: Any, *, epochs: int = 5, random_state: int = 0
) -> Any:
    """A clone of ``estimator`` trained for ``epochs`` on ``data`` with permuted labels."""
    from sklearn.base import clone

    data = estimator.as_dataset(data)
    rng = check_random_state(random_state)
    shuffled = replace(data, labels=rng.permutation(data.y))
    params: dict[str, Any] = {"epochs": int(epochs), "random_state": int(random_state)}
    params["verbose"] = False
    # a fixed number of epochs: no validation share (small explained sets cannot spare one)
    params["val_size"] = 0.0
    model = clone(estimator)
    return model.set_params(**{k: v for k, v in params.items() if k in model.get_params()}).fit(
        shuffled
    )
