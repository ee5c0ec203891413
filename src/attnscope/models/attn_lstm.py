"""Attention-LSTM over (time x variable) cells, with a leading ensemble axis.

Axis letters: M ensemble members (seed variants), B batch, T time steps, V variables,
D input channels (values and observed masks, 2V; 3V with the time-since-last-observation
channel), H hidden units, E variable-attention
units, K variable-attention window, C classes, S static descriptors.

The network (RETAIN-like, two levels):

1. variable attention: a causal temporal convolution (window of the last ``K`` steps of
   values and masks) with a tanh layer gives, at every step ``t``, a softmax over
   variables ``beta[t, v]``;
2. the inputs, re-weighted by ``V * beta`` (values and masks of a variable alike), feed
   an LSTM, whose states ``h_t`` get a softmax over time ``alpha[t]``;
3. the context ``sum_t alpha[t] h_t`` with the static descriptors feeds a linear head;
   with ``summary_branch`` the head also reads each variable's mean, minimum, maximum and
   last observed value and its observed share over the stay (a wide path beside the
   attention, differentiable in the values; the recurrent path still reaches every cell);
   with ``summary_hidden`` > 0 these summaries first pass a tanh layer of that width.

The attention over feature-time pairs is ``A[t, v] = alpha[t] * beta[t, v]``; it sums to
one over all cells of a sample, which makes maps of different models comparable.

Every parameter carries the member axis M, so ``n_members`` seed variants train as one
batched computation (each member with its own initialisation seed). Member ``i`` is
numerically the model a standalone run with ``seeds[i]`` would start from.

Speed: the variable attention is a convolution, not a second recurrence; the LSTM's input
projections are computed for every step at once, and the recurrence is a custom autograd
function whose backward pass runs the time loop once with one batched matrix product per
step and forms the weight gradient in a single product over all steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from attnscope.core import ModelOutput

__all__ = ["AttentionLSTM", "lstm_sequence", "series_summaries"]


def series_summaries(values: Tensor, mask: Tensor) -> Tensor:
    """Per variable: mean, min, max and last value over observed cells, and observed share.

    The torch twin of :func:`attnscope.run._baselines.summary_features` (same statistics;
    the count as a share of the steps), differentiable in ``values``. A variable never
    observed gives 0 for its four value summaries: the normalised mean.

    Parameters
    ----------
    values, mask : Tensor of shape (..., T, V)

    Returns
    -------
    Tensor of shape (..., 5 * V)
        Blocks of V: mean, min, max, last, share.
    """
    obs = mask > 0
    count = obs.sum(dim=-2)
    seen = count > 0
    zero = values.new_zeros(())
    mean = torch.where(obs, values, zero).sum(dim=-2) / count.clamp(min=1)
    vmin = torch.where(obs, values, values.new_tensor(float("inf"))).amin(dim=-2)
    vmax = torch.where(obs, values, values.new_tensor(float("-inf"))).amax(dim=-2)
    steps = torch.arange(values.shape[-2], device=values.device).unsqueeze(-1)
    last_t = torch.where(obs, steps, -1).amax(dim=-2, keepdim=True).clamp(min=0)
    last = values.gather(-2, last_t).squeeze(-2)
    value_stats = [torch.where(seen, x, zero) for x in (mean, vmin, vmax, last)]
    share = count.to(values.dtype) / values.shape[-2]
    return torch.cat([*value_stats, share], dim=-1)


class _LSTMSequence(torch.autograd.Function):
    """Batched-ensemble LSTM recurrence with a hand-written backward pass.

    Gate layout along the 4H axis: input, forget, output (sigmoid), candidate (tanh).
    Internally time-major (T, M, B, .), so every step reads and writes contiguous blocks.
    """

    @staticmethod
    def forward(ctx: Any, xi: Tensor, w_hh: Tensor) -> Tensor:  # type: ignore[override]
        m, b, t, g4 = xi.shape
        hidden = g4 // 4
        xt = xi.permute(2, 0, 1, 3).contiguous()  # (T, M, B, 4H)
        w_hh_t = w_hh.transpose(1, 2)
        acts = torch.empty_like(xt)  # sigmoid gates, then tanh candidate
        tanh_c = xt.new_empty(t, m, b, hidden)
        cells = xt.new_empty(t, m, b, hidden)
        hs = xt.new_empty(t, m, b, hidden)
        h = xt.new_zeros(m, b, hidden)
        c = xt.new_zeros(m, b, hidden)
        for step in range(t):
            gates = torch.baddbmm(xt[step], h, w_hh_t)
            a = acts[step]
            torch.sigmoid(gates[..., : 3 * hidden], out=a[..., : 3 * hidden])
            torch.tanh(gates[..., 3 * hidden :], out=a[..., 3 * hidden :])
            c = torch.addcmul(
                a[..., hidden : 2 * hidden] * c, a[..., :hidden], a[..., 3 * hidden :]
            )
            cells[step] = c
            torch.tanh(c, out=tanh_c[step])
            h = torch.mul(a[..., 2 * hidden : 3 * hidden], tanh_c[step], out=hs[step])
        ctx.save_for_backward(w_hh, acts, tanh_c, cells, hs)
        return hs.permute(1, 2, 0, 3)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_hs: Tensor) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        w_hh, acts, tanh_c, cells, hs = ctx.saved_tensors
        t, m, b, hidden = hs.shape
        grad = grad_hs.permute(2, 0, 1, 3).contiguous()
        d_gates = torch.empty_like(acts)
        dh = grad.new_zeros(m, b, hidden)
        dc = grad.new_zeros(m, b, hidden)
        h1, h2, h3 = hidden, 2 * hidden, 3 * hidden
        for step in range(t - 1, -1, -1):
            a, d, tc = acts[step], d_gates[step], tanh_c[step]
            dh += grad[step]
            dc.addcmul_(dh * a[..., h2:h3], 1 - tc * tc)
            torch.mul(dc, a[..., h3:], out=d[..., :h1])
            if step > 0:
                torch.mul(dc, cells[step - 1], out=d[..., h1:h2])
            else:
                d[..., h1:h2].zero_()
            torch.mul(dh, tc, out=d[..., h2:h3])
            s = a[..., :h3]
            d[..., :h3].mul_(s - s * s)
            g = a[..., h3:]
            torch.mul(dc, a[..., :h1], out=d[..., h3:]).mul_(1 - g * g)
            dc = dc * a[..., h1:h2]
            dh = torch.bmm(d, w_hh)
        h_prev = torch.cat([hs.new_zeros(1, m, b, hidden), hs[:-1]], dim=0)
        d_w_hh = torch.einsum("tmbg,tmbh->mgh", d_gates, h_prev)
        return d_gates.permute(1, 2, 0, 3), d_w_hh


def lstm_sequence(xi: Tensor, w_hh: Tensor) -> Tensor:
    """Run a batched-ensemble LSTM from precomputed input projections.

    Parameters
    ----------
    xi : Tensor of shape (M, B, T, 4H)
        ``x_t W_ih^T + b`` for every step, gates ordered input, forget, output, candidate.
    w_hh : Tensor of shape (M, 4H, H)

    Returns
    -------
    Tensor of shape (M, B, T, H)
        Hidden states; the initial state is zero.
    """
    out: Tensor = _LSTMSequence.apply(xi, w_hh)
    return out


def _project(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """``x W^T + b`` per member; ``x`` (B, T, I) shared by all members or (M, B, T, I)."""
    if x.dim() == 3:
        out = torch.einsum("bti,moi->mbto", x, w)
    else:
        out = torch.einsum("mbti,moi->mbto", x, w)
    return out + b[:, None, None, :]


class AttentionLSTM(nn.Module):
    """Attention-LSTM ensemble (``n_members=1`` is a single model).

    Parameters
    ----------
    n_variables : int
        Time-series variables V (inputs are values and masks, 2V channels).
    n_static : int
        Static descriptors S (0 allowed).
    n_classes : int
    hidden : int, default 32
        LSTM units H.
    attention_dim : int, default 16
        Units of the time-attention layer and of the variable-attention convolution.
    window : int, default 3
        Steps K the variable attention looks back over (causal).
    dropout : float, default 0.2
        On the context vector.
    n_members : int, default 1
    seeds : sequence of int, optional
        Initialisation seed of each member (default ``range(n_members)``).
    delta : bool, default False
        Add a third channel per variable, the time since its last observation
        (``log1p(steps) / log1p(T)``, computed from the mask), weighted by ``beta`` like
        the value and mask channels.
    static_to_lstm : bool, default False
        Also feed the static descriptors into every LSTM step (a per-sample shift of the
        gate pre-activations), not only into the head.
    clip : float, optional
        Clamp the (normalised) values to ``[-clip, clip]`` before use.
    summary_branch : bool, default False
        Feed the head 5 summaries per variable as well (see :func:`series_summaries`).
    summary_hidden : int, default 0
        With ``summary_branch``: the summaries pass a tanh layer of this many units
        before the head (0: they enter the head directly, a linear wide path).
    """

    #: ``forward`` takes a 3-D batch once for all members (see :func:`fit_ensemble`).
    accepts_shared_inputs = True
    beta_conv_w: nn.Parameter
    beta_conv_b: nn.Parameter
    beta_out_w: nn.Parameter
    beta_out_b: nn.Parameter
    w_ih: nn.Parameter
    w_hh: nn.Parameter
    b: nn.Parameter
    att_w: nn.Parameter
    att_b: nn.Parameter
    att_v: nn.Parameter
    head_w: nn.Parameter
    head_b: nn.Parameter
    w_static: nn.Parameter
    wide_w: nn.Parameter
    wide_b: nn.Parameter

    def __init__(
        self,
        n_variables: int,
        n_static: int,
        n_classes: int,
        *,
        hidden: int = 32,
        attention_dim: int = 16,
        window: int = 3,
        dropout: float = 0.2,
        n_members: int = 1,
        seeds: Sequence[int] | None = None,
        delta: bool = False,
        static_to_lstm: bool = False,
        clip: float | None = None,
        summary_branch: bool = False,
        summary_hidden: int = 0,
    ) -> None:
        super().__init__()
        self.n_variables, self.n_members, self.hidden = n_variables, n_members, hidden
        self.n_static, self.n_classes, self.attention_dim = n_static, n_classes, attention_dim
        self.window = int(window)
        seeds = list(range(n_members)) if seeds is None else [int(s) for s in seeds]
        if len(seeds) != n_members:
            raise ValueError(f"need {n_members} seeds, got {len(seeds)}")
        if self.window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.seeds = seeds
        self.delta, self.static_to_lstm = bool(delta), bool(static_to_lstm) and n_static > 0
        self.clip = None if clip is None else float(clip)
        self.summary_branch = bool(summary_branch)
        self.summary_hidden = int(summary_hidden) if self.summary_branch else 0
        if self.summary_hidden < 0:
            raise ValueError(f"summary_hidden must be >= 0, got {summary_hidden}")
        n_wide = self.summary_hidden or 5 * n_variables
        head_in = hidden + n_static + (n_wide if self.summary_branch else 0)
        self.n_channels = 3 if self.delta else 2
        d, e = self.n_channels * n_variables, attention_dim
        lstm_bound = 1.0 / math.sqrt(hidden)  # PyTorch's nn.LSTM default
        conv_bound = 1.0 / math.sqrt(self.window * d)
        # name -> (shape, uniform init bound)
        shapes: dict[str, tuple[tuple[int, ...], float]] = {
            "beta_conv_w": ((e, self.window * d), conv_bound),
            "beta_conv_b": ((e,), conv_bound),
            "beta_out_w": ((n_variables, e), 1.0 / math.sqrt(e)),
            "beta_out_b": ((n_variables,), 1.0 / math.sqrt(e)),
            "w_ih": ((4 * hidden, d), lstm_bound),
            "w_hh": ((4 * hidden, hidden), lstm_bound),
            "b": ((4 * hidden,), lstm_bound),
            "att_w": ((e, hidden), 1.0 / math.sqrt(hidden)),
            "att_b": ((e,), 1.0 / math.sqrt(hidden)),
            "att_v": ((e,), 1.0 / math.sqrt(e)),
            "head_w": ((n_classes, head_in), 1.0 / math.sqrt(head_in)),
            "head_b": ((n_classes,), 1.0 / math.sqrt(head_in)),
        }
        if self.static_to_lstm:
            shapes["w_static"] = ((4 * hidden, n_static), lstm_bound)
        if self.summary_hidden:
            wide_bound = 1.0 / math.sqrt(5 * n_variables)
            shapes["wide_w"] = ((self.summary_hidden, 5 * n_variables), wide_bound)
            shapes["wide_b"] = ((self.summary_hidden,), wide_bound)
        for name, (shape, bound) in shapes.items():
            members = [self._init(name, shape, bound, seed) for seed in seeds]
            self.register_parameter(name, nn.Parameter(torch.stack(members)))
        self.dropout = nn.Dropout(dropout)

    @staticmethod
    def _init(name: str, shape: tuple[int, ...], bound: float, seed: int) -> Tensor:
        """Uniform(-bound, bound) drawn from the member's own generator."""
        gen = torch.Generator().manual_seed(seed * 1_000_003 + sum(map(ord, name)))
        return (torch.rand(shape, generator=gen) * 2 - 1) * bound

    def _windows(self, x: Tensor) -> Tensor:
        """Causal windows: (..., T, D) -> (..., T, K*D), zero before the first step."""
        k = self.window
        if k == 1:
            return x
        pad = x.new_zeros(*x.shape[:-2], k - 1, x.shape[-1])
        padded = torch.cat([pad, x], dim=-2)
        t = x.shape[-2]
        return torch.cat([padded[..., j : j + t, :] for j in range(k)], dim=-1)

    def _time_since(self, mask: Tensor) -> Tensor:
        """Steps since each variable's last observation, ``log1p(steps) / log1p(T)``.

        Before a variable's first observation the count runs from the start of the stay
        (``t + 1``); an observed cell gives 0.
        """
        t = mask.shape[-2]
        steps = torch.arange(t, dtype=mask.dtype, device=mask.device).unsqueeze(-1)
        last = torch.where(mask > 0, steps, torch.full_like(mask, -1.0)).cummax(dim=-2).values
        return torch.log1p(steps - last) / math.log1p(t)

    def forward(self, values: Tensor, mask: Tensor, static: Tensor) -> ModelOutput:
        """Score a batch.

        Parameters
        ----------
        values, mask : Tensor of shape (B, T, V) or (M, B, T, V)
            A 3-D batch is shared by all members (computed without copying it M times).
        static : Tensor of shape (B, S) or (M, B, S)

        Returns
        -------
        ModelOutput
            ``logits`` (B, C) for one member and a 3-D batch, else (M, B, C);
            ``attention`` with ``"cell"`` (alpha * beta, sums to 1 per sample), ``"time"``
            (alpha) and ``"variable"`` (beta, sums to 1 per step), with the same leading
            axes.
        """
        shared = values.dim() == 3
        if self.clip is not None:
            values = values.clamp(-self.clip, self.clip)
        mask = mask.to(values.dtype)
        channels = [values, mask, self._time_since(mask)] if self.delta else [values, mask]
        x = torch.cat(channels, dim=-1)
        feats = torch.tanh(_project(self._windows(x), self.beta_conv_w, self.beta_conv_b))
        beta = torch.softmax(
            torch.einsum("mbte,mve->mbtv", feats, self.beta_out_w)
            + self.beta_out_b[:, None, None, :],
            dim=-1,
        )
        # The channels of a variable share its weight V * beta (1 on average).
        xw = x.unflatten(-1, (self.n_channels, self.n_variables))
        xw = xw * (beta * self.n_variables).unsqueeze(-2)
        xi = _project(xw.flatten(-2), self.w_ih, self.b)
        if self.static_to_lstm:
            eq = "bs,mgs->mbg" if shared else "mbs,mgs->mbg"
            xi = xi + torch.einsum(eq, static, self.w_static).unsqueeze(2)
        h = lstm_sequence(xi, self.w_hh)
        proj = torch.tanh(_project(h, self.att_w, self.att_b))
        alpha = torch.softmax(torch.einsum("mbte,me->mbt", proj, self.att_v), dim=-1)
        context = torch.einsum("mbt,mbth->mbh", alpha, h)
        wide = [static, series_summaries(values, mask)] if self.summary_branch else [static]
        if shared:
            wide = [w.unsqueeze(0).expand(self.n_members, *w.shape) for w in wide]
        if self.summary_hidden:
            z = torch.einsum("mbi,moi->mbo", wide[1], self.wide_w) + self.wide_b[:, None, :]
            wide[1] = torch.tanh(z)
        features = self.dropout(torch.cat([context, *wide], dim=-1))
        logits = torch.einsum("mbf,mcf->mbc", features, self.head_w) + self.head_b[:, None, :]
        cell = alpha.unsqueeze(-1) * beta
        attention = {"cell": cell, "time": alpha, "variable": beta}
        if shared and self.n_members == 1:
            return ModelOutput(logits=logits[0], attention={k: v[0] for k, v in attention.items()})
        return ModelOutput(logits=logits, attention=attention)

    def member_state(self, index: int) -> dict[str, Tensor]:
        """Parameters of one member (as a 1-member state dict)."""
        return {k: v[index : index + 1].detach().clone() for k, v in self.state_dict().items()}

    def member(self, index: int) -> AttentionLSTM:
        """A standalone 1-member copy of member ``index`` (same weights, eval mode)."""
        single = AttentionLSTM(
            self.n_variables,
            self.n_static,
            self.n_classes,
            hidden=self.hidden,
            attention_dim=self.attention_dim,
            window=self.window,
            dropout=float(self.dropout.p),
            n_members=1,
            seeds=[self.seeds[index]],
            delta=self.delta,
            static_to_lstm=self.static_to_lstm,
            clip=self.clip,
            summary_branch=self.summary_branch,
            summary_hidden=self.summary_hidden,
        )
        single.load_state_dict(self.member_state(index))
        return single.eval()
