"""Building blocks of the APC heads: PyABSA's `Encoder`, a first-token pooler, and local sentiment aggregation.

Imports only torch (remote-code rule: this file is copied next to the weights by `save_pretrained`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttentionEncoder(nn.Module):
    """PyABSA's `Encoder(layer_num=1)`: one BERT-style multi-head self-attention (q/k/v projections, no
    output projection, no residual, no layer norm) followed by tanh.

    Unlike PyABSA, which adds a zero mask and so lets every position attend to padding, padded positions
    are excluded as keys via `attention_mask`.
    """

    def __init__(self, hidden_size: int, num_attention_heads: int, attention_dropout: float) -> None:
        super().__init__()
        if hidden_size % num_attention_heads != 0:
            raise ValueError(
                f"The backbone's hidden size ({hidden_size}) is not a multiple of its number of attention heads "
                f"({num_attention_heads}), which the APC head's self-attention encoder reuses."
            )
        self.num_attention_heads = num_attention_heads
        self.head_size = hidden_size // num_attention_heads
        self.attention_dropout = attention_dropout
        self.query = nn.Linear(hidden_size, hidden_size)
        self.key = nn.Linear(hidden_size, hidden_size)
        self.value = nn.Linear(hidden_size, hidden_size)

    def _split_heads(self, states: torch.Tensor) -> torch.Tensor:
        batch_size, length, _ = states.shape
        return states.view(batch_size, length, self.num_attention_heads, self.head_size).transpose(1, 2)

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """hidden_states (batch, length, hidden); attention_mask (batch, length), True/1 = real token."""
        batch_size, length, hidden_size = hidden_states.shape
        key_mask = attention_mask.to(torch.bool)[:, None, None, :]
        context = F.scaled_dot_product_attention(
            self._split_heads(self.query(hidden_states)),
            self._split_heads(self.key(hidden_states)),
            self._split_heads(self.value(hidden_states)),
            attn_mask=key_mask,
            dropout_p=self.attention_dropout if self.training else 0.0,
        )
        return torch.tanh(context.transpose(1, 2).reshape(batch_size, length, hidden_size))


class FirstTokenPooler(nn.Module):
    """`BertPooler` semantics (dense + tanh on the first token), for any backbone."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden_size, hidden_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden_states[:, 0]))


def add_eta_parameters(module: nn.Module, window: str, eta: float) -> None:
    """Give `module` the learnable window weights its aggregation uses: `eta1` (left) if the window has
    "l", `eta2` (right) if it has "r", both starting at `eta`. None when `eta == -1` (unweighted).

    Only used weights are created, so every parameter receives a gradient (DDP-friendly)."""
    if eta == -1:
        return
    if "l" in window:
        module.eta1 = nn.Parameter(torch.tensor(float(eta)))
    if "r" in window:
        module.eta2 = nn.Parameter(torch.tensor(float(eta)))


def combine_windows(
    centre: torch.Tensor,
    left: torch.Tensor | None,
    right: torch.Tensor | None,
    window: str,
    window_linear: nn.Linear,
    left_weight: torch.Tensor | float | None = None,
    right_weight: torch.Tensor | float | None = None,
) -> torch.Tensor:
    """PyABSA's window aggregation: concat (centre, [w_l·left], [w_r·right]) on the feature axis, picking the
    sides in `window` ("l", "r", "lr"), then `window_linear` (2h→h or 3h→h). A None weight = unweighted."""
    parts = [centre]
    if "l" in window:
        parts.append(left if left_weight is None else left_weight * left)
    if "r" in window:
        parts.append(right if right_weight is None else right_weight * right)
    return window_linear(torch.cat(parts, dim=-1))


def fixed_window_weights(window: str, eta: float) -> tuple[float | None, float | None]:
    """PyABSA's fixed (not learnable) window weights (bert_spc.py:42-50, lsa_t.py:77-85): ``(eta, 1 - eta)`` for the
    left / right windows when ``window`` is "lr" and ``eta >= 0`` (with the default eta=1 the right window is
    multiplied by 0), else unweighted (None, None)."""
    if window == "lr" and eta >= 0:
        return float(eta), 1.0 - float(eta)
    return None, None


class LocalSentimentAggregation(nn.Module):
    """PyABSA's `LSA` block (networks/lsa.py) for one local-context vector kind (cdw or cdm); also the windows of
    LSA_T / FAST_LSA_T (lsa_t.py, fast_lsa_t.py), which PyABSA writes out in the model.

    The backbone features are weighted by the aspect's own and its left/right neighbours' local-context
    vectors, each encoded by its own `SelfAttentionEncoder`, and aggregated by `combine_windows`: with the
    learnable `eta1`/`eta2` (``learnable_eta=True``, the default; none when ``eta == -1``), or with PyABSA's fixed
    weights `fixed_window_weights` (``learnable_eta=False``). The etas are never re-initialised in forward (PyABSA
    resets a non-positive eta with `uniform_` there: ranks diverge under DDP); the spc mask of PyABSA is all ones
    and is omitted.
    """

    def __init__(
        self,
        hidden_size: int,
        num_attention_heads: int,
        attention_dropout: float,
        window: str,
        eta: float,
        learnable_eta: bool = True,
    ) -> None:
        super().__init__()
        self.window = window
        self.centre_encoder = SelfAttentionEncoder(hidden_size, num_attention_heads, attention_dropout)
        if "l" in window:
            self.left_encoder = SelfAttentionEncoder(hidden_size, num_attention_heads, attention_dropout)
        if "r" in window:
            self.right_encoder = SelfAttentionEncoder(hidden_size, num_attention_heads, attention_dropout)
        self.window_linear = nn.Linear(hidden_size * (1 + len(window)), hidden_size)
        self.fixed_weights = (None, None)
        if learnable_eta:
            add_eta_parameters(self, window, eta)
        else:
            self.fixed_weights = fixed_window_weights(window, eta)

    def forward(
        self,
        features: torch.Tensor,
        attention_mask: torch.Tensor,
        lcf_vec: torch.Tensor,
        left_lcf_vec: torch.Tensor | None,
        right_lcf_vec: torch.Tensor | None,
        side_features: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
    ) -> torch.Tensor:
        """features (batch, length, hidden), attention_mask and the vectors (batch, length) → (batch, length,
        hidden). ``side_features`` maps "left" / "right" to the (features, attention mask) of that neighbour's own
        backbone pass (LSA_T); by default every window weights ``features``."""
        side_features = side_features or {}
        centre = self.centre_encoder(features * lcf_vec.unsqueeze(-1), attention_mask)
        sides = {}
        for side, vector in (("left", left_lcf_vec), ("right", right_lcf_vec)):
            if side[0] in self.window:
                side_states, side_mask = side_features.get(side, (features, attention_mask))
                sides[side] = getattr(self, f"{side}_encoder")(side_states * vector.unsqueeze(-1), side_mask)
        left_weight, right_weight = self.fixed_weights
        return combine_windows(
            centre,
            sides.get("left"),
            sides.get("right"),
            self.window,
            self.window_linear,
            getattr(self, "eta1", left_weight),
            getattr(self, "eta2", right_weight),
        )


class DependencyClusterWeights(nn.Module):
    """One dependency-cluster attention (DCA) layer of PyABSA's DLCF_DCA_BERT (dlcf_dca_bert.py, `weight_calculate`
    and `weight_distrubute_local`): how much the tokens that depend on the aspect (its subtree) and the other tokens
    connected to it (the "depended" ones) weigh in the local features.

    Each cluster's features (the local features × its 0/1 vector) go through a self-attention encoder, the
    first-token pooler and Linear(h, 2h) → GELU → Linear(2h, 1) → sigmoid, each step followed by dropout, to one
    weight per example; times the previous layer's weight, the two weights ``w`` are normalised to
    ``min((2 w / (w_depend + w_depended)) ** p, 2)`` (both 1 where the sum is 0).

    Unlike PyABSA, which writes each weight back with ``.item()`` (so no gradient reaches these layers, and a
    Python loop runs over the batch), the weights stay in the graph and the batch is computed at once.
    """

    def __init__(
        self, hidden_size: int, num_attention_heads: int, attention_dropout: float, dropout: float, power: float
    ) -> None:
        super().__init__()
        self.encoder = SelfAttentionEncoder(hidden_size, num_attention_heads, attention_dropout)
        self.pooler = FirstTokenPooler(hidden_size)
        self.weight = nn.Sequential(
            nn.Linear(hidden_size, hidden_size * 2), nn.GELU(), nn.Linear(hidden_size * 2, 1), nn.Sigmoid()
        )
        self.dropout = nn.Dropout(dropout)
        self.power = power

    def cluster_weight(self, features: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(batch, 1) weight of one cluster's features (batch, length, hidden)."""
        pooled = self.dropout(self.pooler(self.dropout(self.encoder(features, attention_mask))))
        return self.dropout(self.weight(pooled))

    def forward(
        self,
        local_features: torch.Tensor,
        attention_mask: torch.Tensor,
        depend_vec: torch.Tensor,
        depended_vec: torch.Tensor,
        previous: tuple[torch.Tensor, torch.Tensor],
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """local_features (batch, length, hidden), attention_mask and the cluster vectors (batch, length), the
        previous layer's (depend, depended) weights (batch, 1) each → (the reweighted local features, the new
        weights). The first token keeps its features (PyABSA copies it over)."""
        depend = self.cluster_weight(local_features * depend_vec.unsqueeze(-1), attention_mask) * previous[0]
        depended = self.cluster_weight(local_features * depended_vec.unsqueeze(-1), attention_mask) * previous[1]
        total = depend + depended
        nonzero = total != 0
        safe_total = torch.where(nonzero, total, torch.ones_like(total))  # no 0/0 in the branch where() drops
        weights = tuple(
            torch.where(nonzero, (2 * weight / safe_total).pow(self.power).clamp(max=2), torch.ones_like(weight))
            for weight in (depend, depended)
        )
        scale = depend_vec * weights[0] + depended_vec * weights[1]
        reweighted = local_features * scale.unsqueeze(-1)
        return torch.cat([local_features[:, :1], reweighted[:, 1:]], dim=1), weights
