"""`APCModelForSequenceClassification`: PyABSA's LCF/LSA aspect polarity classifiers on any `AutoModel` backbone.

Architectures (`config.apc_model`), each ending in dropout → self-attention encoder → first-token pooler →
linear classifier, as in PyABSA's `__lcf__` models:

* `bert_spc` / `bert_spc_v2`: one backbone pass over the sentence-aspect pair (SPC); with `config.lsa` also the
  pairs of the left/right neighbouring aspects, combined by window (fixed `eta` / learnable `eta1`, `eta2`).
* `lcf_bert`: a global pass (pair, or sentence only) and a local pass restricted to the sentence segment, the
  local features weighted by the local-context vector(s) of `config.lcf`.
* `fast_lcf_bert`: like `lcf_bert` with one pass (local = global features × local-context vector).
* `fast_lsa_t_v2`: one pass and local sentiment aggregation blocks (`cdw_lsa` / `cdm_lsa`).
* `ensemble` (`config.ensemble_models`): several of these combined, `APCEnsembleForSequenceClassification`
  (below).

This file is copied next to the weights by `save_pretrained` (remote code): it imports only torch, transformers
and same-folder modules through single-dot relative imports, never `hf_absa`.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import SequenceClassifierOutput

from .backbone import (
    BackbonePreTrainedModel,
    HeadArguments,
    build_backbone,
    encoder_arguments,
    from_checkpoint_or_backbone,
    takes_token_type_ids,
)
from .configuration_apc import IGNORED_LABEL_ID, SETTING_DEFAULTS, SPC_MODELS, APCConfig
from .layers import (
    FirstTokenPooler,
    LocalSentimentAggregation,
    SelfAttentionEncoder,
    add_eta_parameters,
    combine_windows,
)

APC_HEAD_ARGUMENTS = HeadArguments(
    family="APC",
    checkpoint_name="hf_absa checkpoint",
    labels="labels",
    architecture="apc_model",
    default_architecture=SETTING_DEFAULTS["apc_model"],
    trained_labels=lambda config: [config.id2label[index] for index in sorted(config.id2label)],
    label_alternatives=("id2label",),
    also_accepted=frozenset({"id2label", "label2id"}),
    head="APC head",
)


class APCPreTrainedModel(BackbonePreTrainedModel):
    """Base class: config class and weight initialisation of the APC heads (`BackbonePreTrainedModel`'s, plus the
    ``eta`` weights)."""

    config_class = APCConfig

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        for name in ("eta1", "eta2"):
            eta = module._parameters.get(name)
            if eta is not None:
                init.constant_(eta, self.config.eta)


class APCModelForSequenceClassification(APCPreTrainedModel):
    """Aspect polarity classifier: `self.backbone` plus the head of `config.apc_model`. See the module docstring
    and `forward`.

    `from_pretrained` is dual-mode: an hf_absa checkpoint loads as usual; any other model id/path is taken as
    the backbone, e.g.
    `APCModelForSequenceClassification.from_pretrained("microsoft/deberta-v3-base",
    labels=["Negative", "Neutral", "Positive"], apc_model="fast_lsa_t_v2", lcf="cdw")`.

    Args:
        config: the APC settings and, in `config.backbone_config`, the backbone's config.
        backbone: an already built backbone (e.g. from `AutoModel.from_pretrained`), used as it is, with its
            weights; its config must be the one stored in `config.backbone_config`. When None (checkpoint
            loading, `from_config`) a backbone is built from `config.backbone_config`, randomly initialised.
            Only the head is initialised here.

    Raises:
        ValueError: `backbone` is not of the type `config.backbone_config` describes.
    """

    def __new__(cls, config: APCConfig | None = None, *args: Any, **kwargs: Any) -> APCModelForSequenceClassification:
        # (config is None when copy/pickle recreate an instance.)
        # An ensemble config builds the ensemble, whichever way the model is made (from_pretrained of a checkpoint
        # or a backbone, from_config, the Auto classes): APCConfig is one config class, registered with one model
        # class. Python then runs the subclass's __init__.
        if cls is APCModelForSequenceClassification and getattr(config, "ensemble_models", None):
            cls = APCEnsembleForSequenceClassification
        return super().__new__(cls)

    def __init__(self, config: APCConfig, backbone: PreTrainedModel | None = None) -> None:
        super().__init__(config)
        self.backbone = build_backbone(config, backbone)
        self._backbone_takes_token_type_ids = takes_token_type_ids(self.backbone)
        encoder_args = encoder_arguments(self.backbone.config)
        hidden_size = encoder_args[0]
        lcf_kinds = ("cdw", "cdm") if config.lcf == "fusion" else (config.lcf,)

        if config.apc_model in SPC_MODELS:
            if config.lsa:
                self.window_linear = nn.Linear(hidden_size * (1 + len(config.window)), hidden_size)
                if config.apc_model == "bert_spc_v2":
                    add_eta_parameters(self, config.window, config.eta)
            self.linear = nn.Linear(hidden_size, hidden_size)
        else:
            for kind in lcf_kinds:
                if config.apc_model == "fast_lsa_t_v2":
                    block = LocalSentimentAggregation(*encoder_args, window=config.window, eta=config.eta)
                    setattr(self, f"{kind}_lsa", block)
                else:
                    setattr(self, f"{kind}_encoder", SelfAttentionEncoder(*encoder_args))
            if config.lcf == "fusion":
                self.fusion_linear = nn.Linear(hidden_size * 3, hidden_size)
            else:
                self.post_linear = nn.Linear(hidden_size * 2, hidden_size)

        # No head module may share a name with a backbone submodule (e.g. BertModel's `pooler`, `encoder`):
        # transformers' loader maps a checkpoint key `k` to `backbone.k` whenever the latter exists, which
        # would swap the two modules' weights on every reload.
        self.dropout = nn.Dropout(config.dropout)
        self.post_encoder = SelfAttentionEncoder(*encoder_args)
        self.head_pooler = FirstTokenPooler(hidden_size)
        self.classifier = nn.Linear(hidden_size, config.num_labels)
        self.post_init()

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str,
        *model_args: Any,
        labels: list[str] | None = None,
        apc_model: str | None = None,
        **kwargs: Any,
    ) -> APCModelForSequenceClassification:
        """Load an hf_absa checkpoint, or start a new model from a backbone (SpanMarker-style dual mode).

        Checkpoint mode (the path/id holds an hf_absa config): transformers' own `from_pretrained`, with all of
        its keyword arguments.

        Backbone mode (any other model id/path): `labels=[...]` (or `id2label=`) is required; `apc_model=` and
        other `APCConfig` fields (`lcf`, `SRD`, `window`, `eta`, `lsa`, `use_bert_spc`, `dropout`,
        `max_seq_len`, and for an ensemble `ensemble_models`, `ensemble_mode`, `deep_ensemble`) may be given.
        The backbone is loaded once, by `AutoModel.from_pretrained(pretrained_model_name_or_path)`, which also
        gets the file-location arguments (`revision`, `token`, `cache_dir`, ...) and `dtype`,
        `attn_implementation`, `device_map` (one device only), `use_safetensors`, `variant`; the head is freshly
        initialised in the backbone's dtype, on its device. The head's random draws do not depend on the backbone
        load: the same seed gives the same head.

        Raises:
            ValueError: backbone mode without labels; a `device_map` that may split the backbone over devices;
                a backbone whose architecture is not built into transformers, or loaded with
                `trust_remote_code=True` (a saved model rebuilds its backbone with transformers' own classes);
                `config=` that is not an `APCConfig`; `labels`/`apc_model` that contradict a checkpoint.
            TypeError: an unknown keyword argument in backbone mode.

        In either mode an ensemble config (``ensemble_models``) gives an `APCEnsembleForSequenceClassification`.
        """
        return from_checkpoint_or_backbone(
            cls, super().from_pretrained, pretrained_model_name_or_path, model_args, kwargs, APC_HEAD_ARGUMENTS,
            labels, apc_model,
        )

    # ------------------------------------------------------------------ forward

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        lcf_cdm_vec: torch.Tensor | None = None,
        lcf_cdw_vec: torch.Tensor | None = None,
        left_lcf_cdm_vec: torch.Tensor | None = None,
        left_lcf_cdw_vec: torch.Tensor | None = None,
        right_lcf_cdm_vec: torch.Tensor | None = None,
        right_lcf_cdw_vec: torch.Tensor | None = None,
        sentence_length: torch.Tensor | None = None,
        left_input_ids: torch.Tensor | None = None,
        left_attention_mask: torch.Tensor | None = None,
        left_token_type_ids: torch.Tensor | None = None,
        right_input_ids: torch.Tensor | None = None,
        right_attention_mask: torch.Tensor | None = None,
        right_token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
    ) -> SequenceClassifierOutput | tuple[torch.Tensor, ...]:
        """Classify the aspect of each example.

        All per-token arguments are (batch, length) and aligned with `input_ids` (the sentence-aspect pair
        encoding); `sentence_length` is (batch,). Which extra arguments are needed depends on the config:
        `config.forward_inputs` (a missing one raises a ValueError naming it). `labels` (batch,) adds the
        cross-entropy `loss` (scalar): the mean over the rows whose label is not -100 (unlabelled), 0 when no
        row is labelled. Returns `SequenceClassifierOutput(loss, logits)`, or a tuple when
        `return_dict=False`.
        """
        config = self.config
        given = {
            "lcf_cdm_vec": lcf_cdm_vec,
            "lcf_cdw_vec": lcf_cdw_vec,
            "left_lcf_cdm_vec": left_lcf_cdm_vec,
            "left_lcf_cdw_vec": left_lcf_cdw_vec,
            "right_lcf_cdm_vec": right_lcf_cdm_vec,
            "right_lcf_cdw_vec": right_lcf_cdw_vec,
            "sentence_length": sentence_length,
            "left_input_ids": left_input_ids,
            "left_attention_mask": left_attention_mask,
            "left_token_type_ids": left_token_type_ids,
            "right_input_ids": right_input_ids,
            "right_attention_mask": right_attention_mask,
            "right_token_type_ids": right_token_type_ids,
        }
        self._check_inputs(input_ids, token_type_ids, given)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)

        if config.apc_model in SPC_MODELS:
            features, mask = self._spc_features(input_ids, attention_mask, token_type_ids, given)
        elif config.apc_model == "fast_lsa_t_v2":
            features, mask = self._lsa_features(input_ids, attention_mask, token_type_ids, given)
        else:
            features, mask = self._lcf_features(input_ids, attention_mask, token_type_ids, given)

        logits = self.classifier(self.head_pooler(self.post_encoder(self.dropout(features), mask)))
        return classification_output(logits, labels, config, return_dict)

    def _check_inputs(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None, given: dict[str, torch.Tensor | None]
    ) -> None:
        config = self.config
        needed = list(config.forward_inputs)
        if token_type_ids is None:
            # Tokenizers without segment ids (RoBERTa, DeBERTa-v3) give none for the side passes either.
            needed = [name for name in needed if not name.endswith("token_type_ids")]
        missing = [name for name in needed if given[name] is None]
        if missing:
            raise ValueError(
                f"APC architecture {config.apc_model!r} (lcf={config.lcf!r}, window={config.window!r}, "
                f"lsa={config.lsa}, use_bert_spc={config.use_bert_spc}) needs the forward argument(s) "
                f"{', '.join(missing)}, which were not given. hf_absa's data processor produces them "
                "(columns listed by hf_absa.models.required_inputs)."
            )
        for name in needed:
            if name != "sentence_length" and given[name].shape != input_ids.shape:
                raise ValueError(
                    f"{name} has shape {tuple(given[name].shape)} but input_ids has {tuple(input_ids.shape)}; all "
                    "per-token inputs must be padded to the same length (DataCollatorForAPC does this)."
                )

    def _spc_features(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        given: dict[str, torch.Tensor | None],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """bert_spc / bert_spc_v2 (PyABSA bert_spc.py, bert_spc_v2.py)."""
        config = self.config
        if not config.lsa:
            return self.linear(self._encode(input_ids, attention_mask, token_type_ids)), attention_mask

        # The centre and neighbour pairs go through the backbone as one batch (same result as 3 passes).
        sides = [side for side, letter in (("left", "l"), ("right", "r")) if letter in config.window]
        masks = [attention_mask] + [given[f"{side}_attention_mask"] for side in sides]
        ids = torch.cat([input_ids] + [given[f"{side}_input_ids"] for side in sides])
        types = None
        if token_type_ids is not None:
            types = torch.cat([token_type_ids] + [given[f"{side}_token_type_ids"] for side in sides])
        stacked_masks = torch.cat(masks)
        hidden = self._encode(ids, stacked_masks, types)
        # Zero each pass's padding so that only real tokens of some pass contribute to the concatenation.
        hidden = hidden * stacked_masks.unsqueeze(-1).to(hidden.dtype)
        streams = dict(zip(["centre"] + sides, hidden.chunk(1 + len(sides))))

        if config.apc_model == "bert_spc_v2":
            weights = (getattr(self, "eta1", None), getattr(self, "eta2", None))
        elif config.window == "lr" and config.eta >= 0:
            # PyABSA's fixed weighting: with the default eta=1 the right window is multiplied by 0.
            weights = (config.eta, 1.0 - config.eta)
        else:
            weights = (None, None)
        features = combine_windows(
            streams["centre"], streams.get("left"), streams.get("right"), config.window, self.window_linear, *weights
        )
        union_mask = torch.stack([mask.to(torch.bool) for mask in masks]).any(dim=0)
        return self.linear(features), union_mask

    def _lcf_features(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        given: dict[str, torch.Tensor | None],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """lcf_bert / fast_lcf_bert (PyABSA lcf_bert.py, fast_lcf_bert.py), honouring config.lcf."""
        config = self.config
        sentence_mask = None
        if given["sentence_length"] is not None:
            positions = torch.arange(input_ids.shape[1], device=input_ids.device)
            in_sentence = positions < given["sentence_length"].view(-1, 1)
            sentence_mask = (attention_mask.to(torch.bool) & in_sentence).to(attention_mask.dtype)
        context_mask = attention_mask if config.use_bert_spc else sentence_mask
        global_features = self._encode(input_ids, context_mask, token_type_ids)
        if config.apc_model == "lcf_bert" and config.use_bert_spc:
            # PyABSA's local pass encodes "[CLS] sentence [SEP]": the same ids with attention kept to the
            # sentence segment (same positions and segment ids for BERT).
            local_features, local_mask = self._encode(input_ids, sentence_mask, token_type_ids), sentence_mask
        else:  # fast_lcf_bert, or lcf_bert whose global pass already is that sentence-only pass
            local_features, local_mask = global_features, context_mask

        kinds = ("cdw", "cdm") if config.lcf == "fusion" else (config.lcf,)
        lcf_features = [
            getattr(self, f"{kind}_encoder")(
                local_features * given[f"lcf_{kind}_vec"].unsqueeze(-1).to(local_features.dtype), local_mask
            )
            for kind in kinds
        ]
        if config.lcf == "fusion":
            features = self.fusion_linear(torch.cat([global_features] + lcf_features, dim=-1))
        else:
            features = self.post_linear(torch.cat([lcf_features[0], global_features], dim=-1))
        return features, context_mask

    def _lsa_features(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        given: dict[str, torch.Tensor | None],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """fast_lsa_t_v2 (PyABSA fast_lsa_t_v2.py + networks/lsa.py)."""
        config = self.config
        global_features = self._encode(input_ids, attention_mask, token_type_ids)

        def vector(name: str) -> torch.Tensor | None:
            value = given[name]
            return None if value is None else value.to(global_features.dtype)

        kinds = ("cdw", "cdm") if config.lcf == "fusion" else (config.lcf,)
        aggregated = [
            getattr(self, f"{kind}_lsa")(
                global_features,
                attention_mask,
                vector(f"lcf_{kind}_vec"),
                vector(f"left_lcf_{kind}_vec"),
                vector(f"right_lcf_{kind}_vec"),
            )
            for kind in kinds
        ]
        if config.lcf == "fusion":
            return self.fusion_linear(torch.cat([global_features] + aggregated, dim=-1)), attention_mask
        return self.post_linear(torch.cat([global_features, aggregated[0]], dim=-1)), attention_mask


def classification_output(
    logits: torch.Tensor, labels: torch.Tensor | None, config: PretrainedConfig, return_dict: bool | None
) -> SequenceClassifierOutput | tuple[torch.Tensor, ...]:
    """The model output for ``logits`` (batch, num_labels): with ``labels`` (batch,) the cross-entropy ``loss``
    (scalar), the mean over the rows whose label is not -100, 0 when none is labelled."""
    loss = None
    if labels is not None:
        labels = labels.view(-1).long()
        # Mean over the labelled rows; a batch with none (all -100) gives 0, still attached to the graph,
        # where the plain mean gives 0/0 = NaN, which reaches the weights when gradients are not clipped.
        summed = nn.functional.cross_entropy(
            logits.view(-1, config.num_labels), labels, ignore_index=IGNORED_LABEL_ID, reduction="sum"
        )
        loss = summed / labels.ne(IGNORED_LABEL_ID).sum().clamp(min=1)
    if not (return_dict if return_dict is not None else config.return_dict):
        return (loss, logits) if loss is not None else (logits,)
    return SequenceClassifierOutput(loss=loss, logits=logits)


# The members' forward arguments, which the ensemble takes and hands on. Trainer keeps the dataset columns its
# model's forward signature names, so the ensemble's forward states this signature (see `forward`).
MEMBER_FORWARD_SIGNATURE = inspect.signature(APCModelForSequenceClassification.forward)
BACKBONE_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class BackbonePasses:
    """The backbone passes of one ensemble forward, reused by members with equal inputs; inactive (None) between
    forwards, so that no activations outlive the forward that made them."""

    def __init__(self) -> None:
        self.passes: list[tuple[tuple[torch.Tensor | None, ...], Any]] | None = None

    def find(self, inputs: tuple[torch.Tensor | None, ...]) -> Any:
        """The output of an earlier pass over equal inputs, or None."""
        for earlier, output in self.passes or ():
            if all(_same_tensor(a, b) for a, b in zip(earlier, inputs)):
                return output
        return None


def _same_tensor(first: torch.Tensor | None, second: torch.Tensor | None) -> bool:
    if first is None or second is None:
        return first is second
    return first is second or (first.shape == second.shape and bool(torch.equal(first, second)))


class SharedBackbone(nn.Module):
    """A member's handle on the ensemble's shared backbone: it owns no parameters (the backbone is saved once, as
    the ensemble's ``backbone``), and during an ensemble forward it runs the backbone once per distinct input."""

    def __init__(self, backbone: PreTrainedModel, passes: BackbonePasses) -> None:
        super().__init__()
        # In a tuple, so that nn.Module does not register the backbone a second time under this member.
        self._backbone = (backbone,)
        self._takes_token_type_ids = takes_token_type_ids(backbone)
        self.passes = passes

    @property
    def config(self) -> Any:
        return self._backbone[0].config

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> Any:
        """The backbone's output for these inputs (batch, length each)."""
        inputs = (input_ids, attention_mask, token_type_ids if self._takes_token_type_ids else None)
        output = self.passes.find(inputs)
        if output is None:
            given = {name: value for name, value in zip(BACKBONE_INPUTS, inputs) if value is not None}
            output = self._backbone[0](**given)
            if self.passes.passes is not None:
                self.passes.passes.append((inputs, output))
        return output


class APCEnsembleForSequenceClassification(APCModelForSequenceClassification):
    """Several APC architectures trained as one model (PyABSA's `APCEnsembler`).

    An `APCConfig` with ``ensemble_models`` (``apc_model`` is then ``"ensemble"``) builds this class wherever an APC
    model is made: `APCModelForSequenceClassification(config)`, its dual-mode ``from_pretrained`` (e.g.
    ``from_pretrained(backbone, labels=[...], ensemble_models=["bert_spc", "fast_lcf_bert"])``) and the
    transformers Auto classes; it loads, saves, trains and predicts like the single models, which it is a kind of.

    Each member is an `APCModelForSequenceClassification` of one architecture with the ensemble's other settings
    (`APCConfig.member_configs`). Their logits (batch, num_labels) are combined as PyABSA's
    ``APCEnsembler.forward`` does (``tasks/AspectPolarityClassification/instructor/ensembler.py``):

    * ``ensemble_mode="cat"``: concatenated in member order, (batch, members × num_labels), then one linear layer to
      (batch, num_labels) (PyABSA's ``dense``);
    * ``ensemble_mode="mean"``: their sum divided by the number of members.

    The loss is the cross-entropy of the combined logits, as PyABSA's trainer computes it for the LCF models (which
    return no loss of their own).

    Backbones: shared by default, as PyABSA shares its PLM between LCF members: one backbone (``backbone.*`` in the
    checkpoint), and within one forward, members whose backbone inputs are equal (ids, mask, token types) reuse one
    pass, while a member with other inputs (``lcf_bert``'s sentence-only local pass, ``bert_spc``'s neighbour pairs
    with ``lsa``) gets its own. With ``deep_ensemble=True`` each member holds its own copy
    (``members.{i}.backbone.*``), all starting from the same pretrained weights (PyABSA deep-copies the PLM for its
    PLM and GloVe baselines only, never for the LCF family).

    Args:
        config: the ensemble's config (``config.ensemble_models`` lists the members).
        backbone: an already built backbone with its weights (backbone mode): shared by the members, or, with
            ``deep_ensemble``, the first member's, the others getting copies. None (checkpoint loading,
            ``from_config``): built from ``config.backbone_config``.

    Attributes:
        members: one `APCModelForSequenceClassification` per member, in ``config.ensemble_models`` order.
        backbone: the shared backbone (absent with ``deep_ensemble``: ``members[i].backbone``).
        cat_linear: ``ensemble_mode="cat"`` only: Linear(members × num_labels → num_labels).
    """

    def __init__(self, config: APCConfig, backbone: PreTrainedModel | None = None) -> None:
        # Not APCModelForSequenceClassification.__init__, which would build a single model's head.
        APCPreTrainedModel.__init__(self, config)
        member_configs = config.member_configs()
        if config.deep_ensemble:
            backbones = [backbone] + [None if backbone is None else copy.deepcopy(backbone) for _ in member_configs[1:]]
        else:
            self.backbone = build_backbone(config, backbone)
            self.backbone_passes = BackbonePasses()
            backbones = [SharedBackbone(self.backbone, self.backbone_passes) for _ in member_configs]
        self.members = nn.ModuleList(
            APCModelForSequenceClassification(member_config, backbone=member_backbone)
            for member_config, member_backbone in zip(member_configs, backbones)
        )
        if config.ensemble_mode == "cat":
            self.cat_linear = nn.Linear(config.num_labels * len(member_configs), config.num_labels)
        self.post_init()

    def forward(self, *args: Any, **kwargs: Any) -> SequenceClassifierOutput | tuple[torch.Tensor, ...]:
        """Classify the aspect of each example: `APCModelForSequenceClassification.forward`'s arguments (the union
        of the members' inputs, `config.forward_inputs`), ``labels`` and output.

        Raises:
            ValueError: an input that a member needs is missing (naming the member's architecture and the input).
            TypeError: an argument no member takes.
        """
        arguments = MEMBER_FORWARD_SIGNATURE.bind(self, *args, **kwargs).arguments
        del arguments["self"]
        labels, return_dict = arguments.pop("labels", None), arguments.pop("return_dict", None)
        passes = getattr(self, "backbone_passes", None)
        if passes is not None:
            passes.passes = []
        try:
            member_logits = [member(**arguments, return_dict=True).logits for member in self.members]
        finally:
            if passes is not None:
                passes.passes = None
        if self.config.ensemble_mode == "cat":
            logits = self.cat_linear(torch.cat(member_logits, dim=-1))
        else:
            logits = torch.stack(member_logits).mean(dim=0)
        return classification_output(logits, labels, self.config, return_dict)

    forward.__signature__ = MEMBER_FORWARD_SIGNATURE
