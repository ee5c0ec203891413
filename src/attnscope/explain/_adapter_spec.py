"""The :class:`~attnscope.core.AttributionSpec` of a wrapped module (see :func:`wrap_module`).

:func:`array_spec` covers modules that take numbers (tables, one-hot DNA, time series,
several tables side by side); :func:`token_spec` covers modules that take token ids,
whose gradients are taken at the output of their embedding layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec, check_sample_rows, logits_of, module_dtype
from attnscope.errors import ConfigError
from attnscope.explain._adapter_inputs import Blocks, split_inputs

__all__ = ["array_spec", "baseline_tensor", "token_spec"]


def array_spec(
    module: nn.Module,
    x: Tensor,
    baseline: Tensor,
    blocks: Blocks | None,
    onehot: bool,
    feature_names: Any = None,
) -> AttributionSpec:
    """The spec of a module that takes float arrays.

    Parameters
    ----------
    module : nn.Module
    x : Tensor of shape (n_samples, ...), float32
        The data; with ``blocks``, several tables side by side, (n_samples, sum of widths).
    baseline : Tensor of shape (1, ...)
        The reference input and the value of a removed feature.
    blocks : list of (str, int), optional
        Name and width of each input of a module with several table inputs.
    onehot : bool
        ``x`` is one-hot DNA (n, 4, length): features are positions.
    feature_names : array of str, optional
        Names of the features of several inputs (default: column or position indices).
    """
    xs = split_inputs(x, blocks)
    widths = [w for _, w in blocks] if blocks else None
    dtype = module_dtype(module)

    def forward(*inp: Tensor) -> Tensor:  # float32 in and out, the module's dtype inside
        out = logits_of(module(*(t.to(dtype) for t in inp))).float()
        return check_sample_rows(out, int(inp[0].shape[0]))

    bases = split_inputs(baseline, blocks)

    def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
        if onehot:
            mask = mask.unsqueeze(1).expand_as(raw[0])
        parts = torch.split(mask, widths, dim=1) if widths else (mask,)
        return tuple(
            torch.where(m, b.to(r.device).expand_as(r), r) for r, m, b in zip(raw, parts, bases)
        )

    def to_features(attrs: tuple[Tensor, ...]) -> np.ndarray:
        a = torch.cat([t.detach() for t in attrs], dim=1)
        return (a.sum(dim=1) if onehot else a).float().cpu().numpy()

    n_features = x.shape[-1] if onehot else int(np.prod(x.shape[1:]))
    names = feature_names
    if names is None and (x.ndim == 2 or onehot):
        names = np.arange(n_features).astype(str)
    meta: dict[str, Any] = {"feature_axis": "position" if onehot else "feature"}
    meta["one_hot"] = onehot
    if blocks:
        starts = np.cumsum([0, *[w for _, w in blocks]])
        meta["slices"] = {
            k: [int(starts[i]), int(starts[i + 1])] for i, (k, _) in enumerate(blocks)
        }
    return AttributionSpec(
        inputs=xs,
        forward=forward,
        baselines=bases,
        to_features=to_features,
        raw_inputs=xs,
        raw_forward=forward,
        remove=remove,
        feature_names=None if names is None else np.asarray(names),
        meta=meta,
    )


def token_spec(
    module: nn.Module, layer: nn.Module | None, tokens: Tensor, pad_token: int
) -> AttributionSpec:
    """The spec of a module that takes token ids (n_samples, length) into ``layer``.

    Gradient methods differentiate the embedding layer's output (replaced through a
    forward hook); layer methods attribute through ``layer``; a removed token is
    ``pad_token``.
    """
    embed = layer if layer is not None else nn.Identity()
    vocab = getattr(embed, "num_embeddings", None)
    if vocab is not None and not 0 <= int(pad_token) < vocab:
        raise ConfigError(
            f"pad_token {pad_token} is not a token of the embedding layer (ids 0..{vocab - 1}); "
            "give the id the module reads as 'absent'."
        )
    pad = torch.full_like(tokens[:1], int(pad_token))
    with torch.no_grad():
        embedded = embed(tokens).detach().float()
        pad_embedded = embed(pad).detach().float()

    def raw_forward(ids: Tensor) -> Tensor:
        return check_sample_rows(logits_of(module(ids)).float(), int(ids.shape[0]))

    def forward(emb: Tensor, ids: Tensor) -> Tensor:
        # Replace the embedding layer's output by ``emb`` (what gradients flow into),
        # in the layer's own dtype (float32 attributions of a bfloat16 model).
        handle = embed.register_forward_hook(lambda _m, _i, out: emb.to(out.dtype))
        try:
            return raw_forward(ids)
        finally:
            handle.remove()

    def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
        return (torch.where(mask, torch.full_like(raw[0], int(pad_token)), raw[0]),)

    return AttributionSpec(
        inputs=(embedded,),
        forward=forward,
        baselines=(pad_embedded,),
        to_features=lambda attrs: attrs[0].detach().sum(dim=-1).float().cpu().numpy(),
        raw_inputs=(tokens,),
        raw_forward=raw_forward,
        remove=remove,
        feature_names=np.arange(tokens.shape[1]).astype(str),
        additional_args=(tokens,),
        layer=layer,
        layer_inputs=(tokens,),
        layer_forward=raw_forward,
        layer_baselines=(pad,),
        meta={"feature_axis": "token"},
    )


def baseline_tensor(b: Any, x: Tensor) -> Tensor:
    """The reference input of shape (1, ...) from ``wrap_module(baseline=)`` and data ``x``.

    ``None`` is zeros, ``"mean"`` the mean sample of ``x``; a number or an array (one value
    per feature) is broadcast to one sample. ConfigError for NaN, inf or a shape that does
    not fit one sample.
    """
    if b is None:
        return torch.zeros(1, *x.shape[1:], device=x.device)
    if isinstance(b, str):
        if b != "mean":
            raise ConfigError(f"baseline must be a number, an array or 'mean', got {b!r}.")
        return x.float().mean(dim=0, keepdim=True)
    try:
        values = np.asarray(b.detach().cpu() if torch.is_tensor(b) else b, dtype=np.float32)
    except (TypeError, ValueError):
        raise ConfigError(
            f"baseline must be a number, an array or 'mean', got {type(b).__name__}."
        ) from None
    if not np.isfinite(values).all():
        raise ConfigError("baseline holds NaN or inf; give finite reference values.")
    t = torch.as_tensor(values, device=x.device)
    try:
        return t.expand(1, *x.shape[1:]).clone() if t.dim() < x.dim() else t.expand_as(x[:1])
    except RuntimeError:
        raise ConfigError(
            f"baseline of shape {tuple(values.shape)} does not fit one sample of shape "
            f"{tuple(x.shape[1:])}; give a number, one value per feature, or 'mean'."
        ) from None
