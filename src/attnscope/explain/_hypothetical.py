"""Hypothetical contributions of one-hot DNA: what each of the four bases would contribute.

TF-MoDISco clusters seqlets on these (n, length, 4) scores: at each position, the
contribution the model would give to A, C, G or T had that base been there. Two bases:

- ``"gradient"``: the input gradient with its mean over the four bases subtracted
  (gradient x input projected onto every base; the mean-centering of DeepLIFT/tangermeme
  practice removes the component that no one-hot input can change);
- ``"deeplift_shap"``: DeepLIFT multipliers against dinucleotide-shuffled references,
  ``m_b - sum_c r_c m_c`` averaged over the references (tangermeme's
  ``hypothetical_attributions``).

The observed-base contribution is ``hypothetical * onehot``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from torch import Tensor

from attnscope.errors import ConfigError
from attnscope.explain._core import pack, register_method
from attnscope.explain._gradient_runs import _rows, _run
from attnscope.explain._shuffle import shuffle_references

__all__ = ["hypothetical_contributions"]

BASES = np.array(list("ACGT"))


def _per_base_spec(spec: Any) -> Any:
    x = spec.inputs[0] if len(spec.inputs) == 1 else None
    if not spec.meta.get("one_hot") or x is None or x.ndim != 3 or x.shape[1] != 4:
        raise ConfigError(
            "hypothetical_contributions needs a one-hot DNA model input (n, 4, length), such "
            "as the CNN's; token models (AttnGen) have none: use their per-position methods."
        )
    # keep the base axis: (n, 4, length) -> (n, length, 4)
    return dataclasses.replace(
        spec, to_features=lambda a: a[0].detach().cpu().numpy().transpose(0, 2, 1)
    )


def _hypothetical_multipliers(
    multipliers: tuple[Tensor, ...], inputs: tuple[Tensor, ...], baselines: tuple[Tensor, ...]
) -> tuple[Tensor, ...]:
    """captum ``custom_attribution_func``: sum_c (e_b - r)_c m_c = m_b - sum_c r_c m_c."""
    m, r = multipliers[0], baselines[0]
    return (m - (r * m).sum(dim=1, keepdim=True),)


@register_method("hypothetical_contributions", aliases=("hypothetical",))
def hypothetical_contributions(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    base: str = "gradient",
    n_shuffles: int = 20,
    batch_size: int | None = None,
    memory_budget: float | None = None,
    random_state: Any = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Hypothetical contribution of every base at every position (one-hot DNA models).

    Parameters
    ----------
    base : {"gradient", "deeplift_shap"}, default "gradient"
        Mean-centred input gradient, or DeepLIFT multipliers against ``n_shuffles``
        dinucleotide shuffles of each sequence (seeded by ``random_state``).
    n_shuffles : int, default 20
        References per sequence for ``base="deeplift_shap"``.

    Returns
    -------
    values : ndarray of shape (n_samples, length, 4)
        A, C, G, T along the last axis (``feature_names``).
    meta : dict
    """
    per_base = _per_base_spec(spec)
    rows = _rows(spec, batch_size, memory_budget)
    if base == "gradient":
        from captum.attr import Saliency

        sal = Saliency(spec.forward)

        def grad(x: tuple[Tensor, ...], t: Tensor, extra: tuple[Any, ...], sl: slice) -> Tensor:
            g = sal.attribute(pack(x), target=t, additional_forward_args=extra or None, abs=False)
            return g - g.mean(dim=1, keepdim=True)

        values, _ = _run(per_base, target, grad, rows)
        meta: dict[str, Any] = {"base": base}
    elif base == "deeplift_shap":
        from attnscope.explain._deeplift import _check_deeplift, deeplift_per_reference

        refs = shuffle_references(spec, n_shuffles, random_state)
        k = int(refs.shape[1])
        values, _ = deeplift_per_reference(
            _check_deeplift(estimator, spec),
            per_base,
            target,
            refs,
            rows,
            custom_attribution_func=_hypothetical_multipliers,
        )
        meta = {"base": base, "n_shuffles": k}
    else:
        raise ConfigError(f"base must be 'gradient' or 'deeplift_shap', got {base!r}.")
    return values, {**meta, "feature_names": BASES, "layout": "sample x position x base"}
