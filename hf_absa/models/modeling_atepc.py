"""`ATEPCModelForTokenClassification`: PyABSA's aspect term extraction + polarity models on any `AutoModel` backbone.

One backbone pass over a sentence (``[CLS] words [SEP]``) feeds two heads:

* the token head (dropout → linear) tags every token with `ATEPC_TAGS` (O / B-ASP / I-ASP);
* the polarity head classifies every aspect span given in `aspect_spans`, all aspects of a sentence at once,
  over the aspect's local context (`config.atepc_model`):

  - `bert_base_atepc` (PyABSA ``bert_base_atepc.py``): pooler → dropout → linear.
  - `fast_lcf_atepc` (PyABSA ``fast_lcf_atepc.py``): the sentence features weighted by the aspect's local-context
    vector (`config.lcf`: CDM mask, CDW weights, or fusion of both) → self-attention encoder, concatenated with
    the sentence features → linear → self-attention encoder, plus its input (a residual) → mean over the aspect's
    tokens → pooler (dense + tanh) → dropout → linear. Both encoders attend within the aspect's local context
    window only (the CDM window: the aspect and `config.srd` tokens on each side).
  - `lcf_atepc` (PyABSA ``lcf_atepc.py``): as `fast_lcf_atepc`, with the local features from a second pass of the
    same backbone.

Deliberate differences from PyABSA (models/__lcf__/*_atepc.py, dataset_utils/__lcf__/atepc_utils.py):

* One example per sentence with all its aspects, (batch, aspects, ...), instead of one copy of the sentence per
  aspect; the polarity head runs once per real aspect (rows gathered by index), padding aspects (span -1) are
  never computed and get zero logits.
* No Python loop over tokens: PyABSA moves first-sub-word features to the front with a double loop and `.item()`;
  here every head works on the token positions themselves, and the local-context vectors are built in those same
  positions from `aspect_spans` with tensor operations (PyABSA computes them on the sub-word positions of its
  sentence-aspect string and multiplies them onto the word-repacked features, a different position space).
* The token loss ignores -100 (PyABSA: label 0, its padding label), the polarity loss ignores -100; each is a mean
  over its labelled items (in training, those of the whole optimizer step: `loss_item_counts`) and 0 (not NaN)
  when there is none. PyABSA's knob for the polarity loss's weight is called `ate_loss_weight`; here it is
  `config.polarity_loss_weight` (default 1.0 for `bert_base_atepc`, 0.3 for the LCF models: `POLARITY_LOSS_WEIGHTS`).
* The token loss also classifies the sentence's leading and trailing special tokens (``[CLS]``, ``[SEP]``) as two
  classes of their own (`config.boundary_loss`, default True), as PyABSA's tag set ``B-ASP, I-ASP, O, [CLS], [SEP]``
  does. They come from a separate 2-class linear layer (``boundary_classifier``) whose logits join the tag logits
  in the training loss only, so `logits`, `id2label` and every prediction stay the three tags (BENCHMARKS.md,
  "ATEPC: the tag head's learning rate", measures them).
* `attention_mask` is used by the backbone (both passes of `lcf_atepc`; PyABSA's local pass has none) and by the
  self-attention encoders (PyABSA's attend to padding).
* Every polarity head pools the aspect's own tokens (mean over its span, then PyABSA's dense + tanh pooler): PyABSA
  pools `[CLS]`, which with its default `use_bert_spc=True` never sees the aspect (the aspect segment is zeroed).
  `bert_base_atepc` would then give every aspect of a sentence the same polarity; the LCF heads reach the aspect
  only through their two self-attention encoders, which (no residual, as in PyABSA) average the whole sentence:
  after three epochs on Restaurant14 both aspects of "the staff was so nice to us, but the service was bad" came
  out Negative. The LCF heads therefore also add the final encoder's input back to its output (a residual), so
  the aspect's pooled features keep its own tokens' (BENCHMARKS.md, "ATEPC: aspects that disagree"). And the two
  encoders attend within the aspect's local context window only, where PyABSA's attend to the whole sentence
  (padding included): the local context then focuses the attention itself, not only the values it mixes (with
  CDW the far tokens keep weights near 1), so a clause about another aspect does not reach this one's polarity
  (BENCHMARKS.md, "ATEPC: the LCF encoders attend within the local context").
* `lcf_atepc`: with PyABSA's default `use_bert_spc=True` both of its passes encode the same sentence; the second
  pass differs only by its dropout noise. It is therefore run in training only; in evaluation (no dropout) it
  would repeat the first pass exactly, whose features are reused.
* `fusion` concatenates the sentence features with the CDW- and CDM-weighted ones (no encoder on the weighted
  features, as in PyABSA), so the local encoder exists only for `cdw` / `cdm`.

This file is copied next to the weights by `save_pretrained` (remote code): it imports only torch, transformers
and same-folder modules through single-dot relative imports, never `hf_absa`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_atepc import ATEPC_TAGS, BOUNDARY_CLASSES, IGNORED_LABEL_ID, SETTING_DEFAULTS, ATEPCConfig
from .layers import FirstTokenPooler, SelfAttentionEncoder
from .backbone import (
    BackbonePreTrainedModel,
    HeadArguments,
    build_backbone,
    encoder_arguments,
    from_checkpoint_or_backbone,
    takes_token_type_ids,
)

__all__ = ["ATEPCModelForTokenClassification", "ATEPCOutput", "ATEPCPreTrainedModel", "local_context_weights"]

ATEPC_HEAD_ARGUMENTS = HeadArguments(
    family="ATEPC",
    checkpoint_name="hf_absa ATEPC checkpoint",
    labels="polarity_labels",
    architecture="atepc_model",
    default_architecture=SETTING_DEFAULTS["atepc_model"],
    trained_labels=lambda config: list(config.polarity_labels or ()),
    also_accepted=frozenset({"ate_loss_weight"}),
    head="ATEPC heads",
)


@dataclass
class ATEPCOutput(ModelOutput):
    """Output of `ATEPCModelForTokenClassification.forward`.

    Args:
        loss: scalar, tag loss + `config.polarity_loss_weight` × polarity loss; None without labels.
        logits: (batch, tokens, 3) tag logits, classes `ATEPC_TAGS`.
        polarity_logits: (batch, aspects, num_polarities) for the given `aspect_spans`, zeros on padding aspects;
            None when no spans are given.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    polarity_logits: torch.Tensor | None = None


def local_context_weights(
    aspect_starts: torch.Tensor, aspect_ends: torch.Tensor, attention_mask: torch.Tensor, srd: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """CDM and CDW vectors of each aspect over its sentence's tokens (PyABSA `get_lca_ids_and_cdm_vec`,
    `get_cdw_vec`), computed with tensor operations.

    The local context window of an aspect spanning tokens [start, end) is ``[start - srd, end - 1 + srd]``. A real
    token (attention mask 1) at distance ``d`` from the window (0 inside it) gets CDM ``1 if d == 0 else 0`` and CDW
    ``1 - d / n``, with ``n`` the sentence's real token count (special tokens included, as PyABSA's ``text_len``);
    padding gets 0 in both.

    Args:
        aspect_starts, aspect_ends: (aspects,) token positions, int.
        attention_mask: (aspects, tokens), the mask of each aspect's sentence, 1 = real token.
        srd: semantic-relative distance, in tokens.

    Returns:
        (cdm, cdw), each (aspects, tokens) float32.

    >>> cdm, cdw = local_context_weights(torch.tensor([3]), torch.tensor([5]), torch.ones(1, 10), srd=1)
    >>> cdm.tolist()
    [[0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]]
    >>> [round(value, 2) for value in cdw[0].tolist()]
    [0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6]
    """
    positions = torch.arange(attention_mask.shape[-1], device=attention_mask.device)
    window_begin = (aspect_starts - srd).unsqueeze(-1)
    window_end = (aspect_ends - 1 + srd).unsqueeze(-1)
    distance = (window_begin - positions).clamp(min=0) + (positions - window_end).clamp(min=0)
    real = attention_mask.to(torch.bool)
    length = real.sum(dim=-1, keepdim=True).clamp(min=1)
    cdm = (real & (distance == 0)).to(torch.float32)
    cdw = torch.where(real, 1.0 - distance.to(torch.float32) / length, 0.0)
    return cdm, cdw


class ATEPCPreTrainedModel(BackbonePreTrainedModel):
    """Base class: config class of the ATEPC models (heads initialised as `BackbonePreTrainedModel` does)."""

    config_class = ATEPCConfig


class ATEPCModelForTokenClassification(ATEPCPreTrainedModel):
    """Aspect term tagger + aspect polarity classifier: `self.backbone` plus the heads of `config.atepc_model`.
    See the module docstring and `forward`.

    `from_pretrained` is dual-mode: an hf_absa ATEPC checkpoint loads as usual; any other model id/path is taken as
    the backbone, e.g. `ATEPCModelForTokenClassification.from_pretrained("bert-base-uncased",
    polarity_labels=["Negative", "Neutral", "Positive"], atepc_model="fast_lcf_atepc")`.

    Args:
        config: the ATEPC settings, the polarity labels and, in `config.backbone_config`, the backbone's config.
        backbone: an already built backbone, used as it is, with its weights; its config must be the one stored in
            `config.backbone_config`. When None a backbone is built from `config.backbone_config`, randomly
            initialised. Only the heads are initialised here.

    Raises:
        ValueError: `config.polarity_labels` is missing; `backbone` is not of the type `config.backbone_config`
            describes.
    """

    def __init__(self, config: ATEPCConfig, backbone: PreTrainedModel | None = None) -> None:
        super().__init__(config)
        if not config.polarity_labels:
            raise ValueError(
                "config.polarity_labels is not set; an ATEPC model needs its polarity names in class-index order, "
                'e.g. ATEPCConfig(..., polarity_labels=["Negative", "Neutral", "Positive"]).'
            )
        self.backbone = build_backbone(config, backbone)
        self._backbone_takes_token_type_ids = takes_token_type_ids(self.backbone)
        encoder_args = encoder_arguments(self.backbone.config)
        hidden_size = encoder_args[0]

        # No head module may share a name with a backbone submodule (BertModel's `pooler`, `encoder`): the loader
        # maps a checkpoint key `k` to `backbone.k` whenever that exists.
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(hidden_size, len(ATEPC_TAGS))
        # Training-only classes of the leading / trailing special token (see the module docstring).
        self.boundary_classifier = nn.Linear(hidden_size, len(BOUNDARY_CLASSES)) if config.boundary_loss else None
        if config.atepc_model != "bert_base_atepc":
            if config.lcf == "fusion":
                self.fusion_linear = nn.Linear(hidden_size * 3, hidden_size)
            else:
                self.local_encoder = SelfAttentionEncoder(*encoder_args)
                self.post_linear = nn.Linear(hidden_size * 2, hidden_size)
            self.post_encoder = SelfAttentionEncoder(*encoder_args)
        self.head_pooler = FirstTokenPooler(hidden_size)
        self.polarity_classifier = nn.Linear(hidden_size, len(config.polarity_labels))
        self.post_init()

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str,
        *model_args: Any,
        polarity_labels: list[str] | None = None,
        atepc_model: str | None = None,
        **kwargs: Any,
    ) -> ATEPCModelForTokenClassification:
        """Load an hf_absa ATEPC checkpoint, or start a new model from a backbone (dual mode).

        Checkpoint mode (the path/id holds an hf_absa ATEPC config): transformers' own `from_pretrained`, with all
        of its keyword arguments.

        Backbone mode (any other model id/path): `polarity_labels=[...]` is required; `atepc_model=` and the other
        `ATEPCConfig` settings (`lcf`, `srd`, `dropout`, `polarity_loss_weight`, `max_seq_len`) may be given. The
        backbone is loaded once, by `AutoModel.from_pretrained(pretrained_model_name_or_path)`, which also gets the
        file-location arguments (`revision`, `token`, `cache_dir`, ...) and `dtype`, `attn_implementation`,
        `device_map` (one device only), `use_safetensors`, `variant`; the heads are freshly initialised in the
        backbone's dtype, on its device, from the caller's random state alone.

        Raises:
            ValueError: backbone mode without polarity labels; a `device_map` that may split the backbone; a
                backbone that needs custom code; `config=` that is not an `ATEPCConfig`; `polarity_labels` /
                `atepc_model` that contradict a checkpoint.
            TypeError: an unknown keyword argument in backbone mode.
        """
        return from_checkpoint_or_backbone(
            cls, super().from_pretrained, pretrained_model_name_or_path, model_args, kwargs, ATEPC_HEAD_ARGUMENTS,
            polarity_labels, atepc_model,
        )

    # ------------------------------------------------------------------ forward

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        aspect_spans: torch.Tensor | None = None,
        polarity_labels: torch.Tensor | None = None,
        loss_item_counts: torch.Tensor | None = None,
        return_dict: bool | None = None,
    ) -> ATEPCOutput | tuple[torch.Tensor, ...]:
        """Tag every token and classify the polarity of every given aspect.

        Args:
            input_ids, attention_mask, token_type_ids: (batch, tokens), the sentences (no aspect segment).
            labels: (batch, tokens) tag ids (`ATEPC_TAGS`), -100 = ignored.
            aspect_spans: (batch, aspects, 2) token spans [first, end) of the aspects to classify; rows holding
                -1 are padding and change nothing.
            polarity_labels: (batch, aspects) polarity ids (`config.polarity_labels`), -100 = ignored.
            loss_item_counts: (2,) int, the numbers of labelled tokens and of labelled aspects the two losses are
                averaged over; default: this batch's own. A trainer passes those of the whole optimizer step (every
                process, every accumulated batch), so that data-parallel training and gradient accumulation give
                the gradient of one large batch; this batch's loss is then its share of the step's loss.
            return_dict: a tuple instead of `ATEPCOutput` when False.

        Returns:
            `ATEPCOutput(loss, logits, polarity_logits)`: see its docstring. The loss is the tag cross-entropy
            (mean over labelled tokens) + `config.polarity_loss_weight` × the polarity cross-entropy (mean over
            labelled aspects); a part with no labelled item adds 0. Present when `labels` or `polarity_labels` is
            given.

        Raises:
            ValueError: `polarity_labels` without `aspect_spans`; shapes that disagree; a real aspect span outside
                [0, tokens] or empty.
        """
        config = self.config
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        self._check_inputs(input_ids, attention_mask, labels, aspect_spans, polarity_labels)

        hidden = self._encode(input_ids, attention_mask, token_type_ids)
        features = self.dropout(hidden)
        logits = self.classifier(features)

        polarity_logits = None
        if aspect_spans is not None:
            polarity_logits = self._polarity_logits(
                input_ids, attention_mask, token_type_ids, hidden, features, aspect_spans
            )

        loss = None
        if labels is not None or polarity_labels is not None:
            tag_count, polarity_count = (None, None) if loss_item_counts is None else loss_item_counts.reshape(2)
            loss = logits.new_zeros(())
            if labels is not None and self.boundary_classifier is not None:
                loss = loss + _mean_cross_entropy(
                    torch.cat([logits, self.boundary_classifier(features)], dim=-1),
                    self.boundary_targets(labels, attention_mask), tag_count,
                )
            elif labels is not None:
                loss = loss + _mean_cross_entropy(logits, labels, tag_count)
            if polarity_labels is not None:
                loss = loss + config.polarity_loss_weight * _mean_cross_entropy(
                    polarity_logits, polarity_labels, polarity_count
                )
        if not (return_dict if return_dict is not None else config.return_dict):
            return tuple(value for value in (loss, logits, polarity_logits) if value is not None)
        return ATEPCOutput(loss=loss, logits=logits, polarity_logits=polarity_logits)

    def tag(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The first half of `forward`, for prediction: encode the sentences once and tag every token.

        Args:
            input_ids, attention_mask, token_type_ids: (batch, tokens), as for `forward`.

        Returns:
            (hidden states (batch, tokens, hidden), tag logits (batch, tokens, 3), classes `ATEPC_TAGS`). Give the
            hidden states to `classify_aspects` to classify the aspects read off the tags without a second pass of
            the backbone; in eval mode the two calls give exactly what `forward` gives for those spans.
        """
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self._encode(input_ids, attention_mask, token_type_ids)
        return hidden, self.classifier(self.dropout(hidden))

    @staticmethod
    def boundary_targets(labels: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The token-loss targets of `config.boundary_loss`: ``labels`` with the first token set to
        ``len(ATEPC_TAGS)`` (the ``[CLS]`` class) and the last attended token to ``len(ATEPC_TAGS) + 1`` (``[SEP]``),
        each only where ``labels`` holds -100 there (a special token; a tokenizer without special tokens puts a word
        there, whose tag is kept).

        Args:
            labels: (batch, tokens) tag ids, -100 where unlabelled.
            attention_mask: (batch, tokens) 1 on real tokens, 0 on padding (right padding).

        Returns:
            (batch, tokens) int64 targets over ``len(ATEPC_TAGS) + 2`` classes.

        >>> ATEPCModelForTokenClassification.boundary_targets(
        ...     torch.tensor([[-100, 0, 1, -100, -100], [-100, 2, -100, -100, -100]]),
        ...     torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]])).tolist()
        [[3, 0, 1, 4, -100], [3, 2, 4, -100, -100]]
        """
        targets = labels.clone().long()
        rows = torch.arange(labels.shape[0], device=labels.device)
        last = (attention_mask.sum(dim=-1) - 1).clamp(min=0).long()
        for position, target in ((torch.zeros_like(last), len(ATEPC_TAGS)), (last, len(ATEPC_TAGS) + 1)):
            free = targets[rows, position] == IGNORED_LABEL_ID
            targets[rows[free], position[free]] = target
        return targets

    def classify_aspects(
        self, hidden: torch.Tensor, input_ids: torch.Tensor, aspect_spans: torch.Tensor,
        attention_mask: torch.Tensor | None = None, token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The second half of `forward`, for prediction: polarity logits of aspects over `tag`'s hidden states.

        Args:
            hidden: (batch, tokens, hidden), `tag`'s hidden states of these inputs.
            input_ids, attention_mask, token_type_ids: (batch, tokens), the inputs given to `tag`.
            aspect_spans: (batch, aspects, 2) token spans [first, end); rows holding -1 are padding.

        Returns:
            (batch, aspects, num_polarities) logits, zeros on padding rows.

        Raises:
            ValueError: shapes that disagree, or a real span outside [0, tokens] or empty (as `forward`).
        """
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        self._check_inputs(input_ids, attention_mask, None, aspect_spans, None)
        return self._polarity_logits(
            input_ids, attention_mask, token_type_ids, hidden, self.dropout(hidden), aspect_spans
        )

    def _check_inputs(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor | None,
        aspect_spans: torch.Tensor | None,
        polarity_labels: torch.Tensor | None,
    ) -> None:
        for name, value in (("attention_mask", attention_mask), ("labels", labels)):
            if value is not None and value.shape != input_ids.shape:
                raise ValueError(
                    f"{name} has shape {tuple(value.shape)} but input_ids has {tuple(input_ids.shape)}; per-token "
                    "inputs must be padded to the same length (DataCollatorForATEPC does this)."
                )
        if polarity_labels is not None and aspect_spans is None:
            raise ValueError("polarity_labels were given without aspect_spans: the polarity head needs the spans.")
        if aspect_spans is None:
            return
        if aspect_spans.dim() != 3 or aspect_spans.shape[0] != input_ids.shape[0] or aspect_spans.shape[2] != 2:
            raise ValueError(
                f"aspect_spans must have shape (batch={input_ids.shape[0]}, aspects, 2), got "
                f"{tuple(aspect_spans.shape)}."
            )
        if polarity_labels is not None and polarity_labels.shape != aspect_spans.shape[:2]:
            raise ValueError(
                f"polarity_labels has shape {tuple(polarity_labels.shape)} but aspect_spans has "
                f"{tuple(aspect_spans.shape)}; expected (batch, aspects)."
            )
        starts, ends = aspect_spans[..., 0], aspect_spans[..., 1]
        bad = (starts >= 0) & ((ends <= starts) | (ends > input_ids.shape[1]))
        if bad.any():
            raise ValueError(
                f"aspect_spans {aspect_spans[bad].tolist()} are not [first, end) token spans with "
                f"0 <= first < end <= {input_ids.shape[1]} (padding rows hold -1)."
            )

    def _polarity_logits(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        hidden: torch.Tensor,
        features: torch.Tensor,
        aspect_spans: torch.Tensor,
    ) -> torch.Tensor:
        """(batch, aspects, num_polarities): the head run once per real aspect, zeros on padding rows."""
        config = self.config
        batch_size, num_aspects = aspect_spans.shape[:2]
        polarity_logits = features.new_zeros(batch_size, num_aspects, len(config.polarity_labels))
        real = aspect_spans[..., 0] >= 0
        sentence_index, aspect_index = real.nonzero(as_tuple=True)
        if sentence_index.numel() == 0:
            return polarity_logits
        starts = aspect_spans[sentence_index, aspect_index, 0]
        ends = aspect_spans[sentence_index, aspect_index, 1]
        mask = attention_mask[sentence_index]  # (real aspects, tokens)
        global_features = features[sentence_index]  # (real aspects, tokens, hidden)

        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        in_span = ((positions >= starts[:, None]) & (positions < ends[:, None])).unsqueeze(-1)

        def aspect_mean(states: torch.Tensor) -> torch.Tensor:
            # (real aspects, 1, hidden): the mean over each aspect's own tokens, the one position `head_pooler` pools.
            weights = in_span.to(states.dtype)
            return ((states * weights).sum(dim=1) / weights.sum(dim=1)).unsqueeze(1)

        if config.atepc_model == "bert_base_atepc":
            pooled = self.head_pooler(aspect_mean(global_features))
        else:
            if config.atepc_model == "lcf_atepc" and self.training:
                local_features = self.dropout(self._encode(input_ids, attention_mask, token_type_ids))[sentence_index]
            else:
                local_features = global_features
            cdm, cdw = local_context_weights(starts, ends, mask, config.srd)
            weights = {"cdm": cdm, "cdw": cdw}
            # The encoders attend within the aspect's local context window only (the module docstring says why).
            window_mask = mask * cdm.to(mask.dtype)
            if config.lcf == "fusion":
                weighted = [
                    local_features * weights[kind].unsqueeze(-1).to(local_features.dtype) for kind in ("cdw", "cdm")
                ]
                combined = self.fusion_linear(torch.cat([global_features] + weighted, dim=-1))
            else:
                weighted = local_features * weights[config.lcf].unsqueeze(-1).to(local_features.dtype)
                combined = self.post_linear(
                    torch.cat([global_features, self.local_encoder(weighted, window_mask)], dim=-1)
                )
            pooled = self.head_pooler(aspect_mean(combined + self.post_encoder(combined, window_mask)))
        polarity_logits[sentence_index, aspect_index] = self.polarity_classifier(self.dropout(pooled)).to(
            polarity_logits.dtype
        )
        return polarity_logits


def _mean_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, count: torch.Tensor | None = None
) -> torch.Tensor:
    """Cross-entropy summed over the items whose label is not -100 and divided by ``count`` (default: their number);
    0 (not NaN, still on the graph) if there is none."""
    labels = labels.reshape(-1).long()
    summed = nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(), labels, ignore_index=IGNORED_LABEL_ID, reduction="sum"
    )
    if count is None:
        count = labels.ne(IGNORED_LABEL_ID).sum()
    return summed / count.clamp(min=1)

