"""`APCModelForSequenceClassification`: PyABSA's LCF/LSA aspect polarity classifiers on any `AutoModel` backbone.

Architectures (`config.apc_model`), each PyABSA's model of the same name in upper case
(``tasks/AspectPolarityClassification/models/__lcf__/<name>.py`` of PyABSA 2.4.2); most end in dropout →
self-attention encoder → first-token pooler → linear classifier:

* `bert_spc` / `bert_spc_v2`: one backbone pass over the sentence-aspect pair (SPC); with `config.lsa` also the
  pairs of the left/right neighbouring aspects, combined by window (fixed `eta` / learnable `eta1`, `eta2`).
* `bert_mlp` (PyABSA's BERT_MLP, 1.x BERT_BASE; alias ``bert_base``): the pair's first token, pooled, dropout,
  classifier.
* `lcf_bert`: a global pass (pair, or sentence only) and a local pass restricted to the sentence segment, the
  local features weighted by the local-context vector(s) of `config.lcf`.
* `fast_lcf_bert`: like `lcf_bert` with one pass (local = global features × local-context vector).
* `lcf_dual_bert`: like `lcf_bert`, its local pass through a second backbone (a copy of the first).
* `fast_lcf_bert_att`: one pass; the local features attend over the global ones, and the pooled global, attended
  and pooled local features are classified.
* `lca_bert` (LCA-Net): global features enriched with an embedding of the local-context mask, a local pass on a
  second backbone, and an auxiliary loss: predicting, per token, whether it is in the local context, weighted by
  `config.sigma`.
* `fast_lsa_t_v2`: one pass and local sentiment aggregation blocks (`cdw_lsa` / `cdm_lsa`) with learnable etas.
* `fast_lsa_t`: the same blocks, unweighted (PyABSA's FAST_LSA_T has no etas; with window "l" or "r" it
  multiplies by etas it never defines, an AttributeError: here unweighted too, as LSA_T's "l" / "r").
* `lsa_t`: three passes (the pair and the neighbours' pairs), each weighted by its own aspect's local-context
  vector, windows with the fixed weights (`eta`, 1 - `eta`).
* On syntax distances (the ``lcfs`` vectors of a dependency parse, `hf_absa.data.syntax`): `lcfs_bert`,
  `fast_lcfs_bert`, `lcfs_dual_bert`, `lsa_s`, `fast_lsa_s`, `fast_lsa_s_v2`: their ``lcf`` counterparts on those
  vectors (PyABSA's FAST_LSA_S_V2 with lcf "fusion" passes a misspelt argument and fails; here it works).
* `dlcf_dca_bert` / `dlcfs_dca_bert`: a global and a local pass; the local features, weighted by the dynamic
  local-context vector (token positions / syntax distances), go through `config.dca_layer` dependency-cluster
  attention layers (`DependencyClusterWeights`), then are fused with the global ones by a feed-forward block.
* `ensemble` (`config.ensemble_models`): several of these combined, `APCEnsembleForSequenceClassification`
  (below).

This file is copied next to the weights by `save_pretrained` (remote code): it imports only torch, transformers
and same-folder modules through single-dot relative imports, never `hf_absa`.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from typing import Any, NamedTuple

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
from .configuration_apc import (
    APC_MODEL_INPUTS,
    IGNORED_LABEL_ID,
    SETTING_DEFAULTS,
    SPC_MODELS,
    APCConfig,
    canonical_architecture,
    lcf_kinds,
)
from .layers import (
    FirstTokenPooler,
    LocalSentimentAggregation,
    SelfAttentionEncoder,
    add_eta_parameters,
    DependencyClusterWeights,
    combine_windows,
    fixed_window_weights,
)

# How each architecture is built. LSA models: (backbone passes, how the windows are weighted: "learnable" etas,
# PyABSA's "fixed" (eta, 1 - eta), or "none").
LSA_MODELS: dict[str, tuple[int, str]] = {
    "fast_lsa_t_v2": (1, "learnable"),
    "fast_lsa_t": (1, "none"),
    "lsa_t": (3, "fixed"),
    "fast_lsa_s_v2": (1, "learnable"),
    "fast_lsa_s": (1, "none"),
    "lsa_s": (3, "fixed"),
}
LCF_MODELS: tuple[str, ...] = (
    "lcf_bert", "fast_lcf_bert", "lcf_dual_bert", "lcfs_bert", "fast_lcfs_bert", "lcfs_dual_bert"
)
DCA_MODELS: tuple[str, ...] = ("dlcf_dca_bert", "dlcfs_dca_bert")
# A second backbone, a copy of the first, for the local pass (PyABSA: `copy.deepcopy(bert)`).
DUAL_BACKBONE_MODELS: tuple[str, ...] = ("lcf_dual_bert", "lca_bert", "lcfs_dual_bert")
# A local pass over the sentence segment alone, apart from the global pass over the pair.
TWO_PASS_MODELS: tuple[str, ...] = ("lcf_bert", "lcfs_bert") + DUAL_BACKBONE_MODELS + DCA_MODELS
# The architectures ending in [dropout →] self-attention encoder → pooler → classifier.
POST_ENCODER_MODELS: tuple[str, ...] = SPC_MODELS + tuple(LSA_MODELS) + LCF_MODELS + DCA_MODELS
# forward's arguments that are not the architectures' extra inputs.
_NOT_EXTRA_INPUTS = frozenset({"self", "input_ids", "attention_mask", "token_type_ids", "labels", "return_dict"})


class ModelInputs(NamedTuple):
    """One forward's inputs, as the architectures' feature methods read them: the pair encoding (batch, length)
    each, the attention mask filled in, and every extra input by name (None where not given)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor | None
    given: dict[str, torch.Tensor | None]


def vector_family(apc_model: str) -> str:
    """The prefix of the local-context vectors ``apc_model`` reads ("lcf"; "" when it reads none)."""
    vectors = [name for name in APC_MODEL_INPUTS.get(apc_model, ()) if name.endswith(("_cdm_vec", "_cdw_vec"))]
    return vectors[0][: -len("_cdm_vec")] if vectors else ""


@dataclass
class APCSequenceClassifierOutput(SequenceClassifierOutput):
    """`SequenceClassifierOutput` plus lca_bert's ``local_context_loss`` (scalar; None for the other
    architectures and without labels): the cross-entropy of its per-token local-context prediction, unweighted
    (``loss`` holds it weighted by ``config.sigma``)."""

    local_context_loss: torch.FloatTensor | None = None

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
        apc_model = config.apc_model
        kinds = lcf_kinds(apc_model, config.lcf)
        self._vector_family = vector_family(apc_model)

        if apc_model in DUAL_BACKBONE_MODELS:
            # PyABSA's `copy.deepcopy(bert)`: a second backbone, from the same (pretrained) weights. An ensemble
            # member's shared backbone is copied too: the copy is the member's own.
            shared = self.backbone.module if isinstance(self.backbone, SharedBackbone) else self.backbone
            self.local_backbone = copy.deepcopy(shared)
        if apc_model in SPC_MODELS:
            if config.lsa:
                self.window_linear = nn.Linear(hidden_size * (1 + len(config.window)), hidden_size)
                if apc_model == "bert_spc_v2":
                    add_eta_parameters(self, config.window, config.eta)
            self.linear = nn.Linear(hidden_size, hidden_size)
        elif apc_model in LSA_MODELS or apc_model in LCF_MODELS:
            for kind in kinds:
                if apc_model in LSA_MODELS:
                    weighting = LSA_MODELS[apc_model][1]
                    block = LocalSentimentAggregation(
                        *encoder_args,
                        window=config.window,
                        eta=-1.0 if weighting == "none" else config.eta,
                        learnable_eta=weighting == "learnable",
                    )
                    setattr(self, f"{kind}_lsa", block)
                else:
                    setattr(self, f"{kind}_encoder", SelfAttentionEncoder(*encoder_args))
            if config.lcf == "fusion":
                self.fusion_linear = nn.Linear(hidden_size * 3, hidden_size)
            else:
                self.post_linear = nn.Linear(hidden_size * 2, hidden_size)
        elif apc_model == "fast_lcf_bert_att":
            setattr(self, f"{kinds[0]}_encoder", SelfAttentionEncoder(*encoder_args))
            self.att_linear = nn.Linear(hidden_size * 3, hidden_size)
        elif apc_model in DCA_MODELS:
            self.dca_layers = nn.ModuleList(
                DependencyClusterWeights(*encoder_args, dropout=config.dropout, power=config.dca_p)
                for _ in range(config.dca_layer)
            )
            # PyABSA's PointwiseFeedForward (1×1 convolutions, i.e. per-token linear layers) 2h → h → h.
            self.cat_feed_forward = nn.Sequential(
                nn.Linear(hidden_size * 2, hidden_size), nn.ReLU(), nn.Linear(hidden_size, hidden_size)
            )
        elif apc_model == "lca_bert":
            self.local_context_embedding = nn.Embedding(2, hidden_size)
            self.local_context_linear = nn.Linear(hidden_size * 2, hidden_size)
            self.cdm_encoder = SelfAttentionEncoder(*encoder_args)
            self.post_linear = nn.Linear(hidden_size * 2, hidden_size)
            self.local_context_classifier = nn.Linear(hidden_size, 2)

        # No head module may share a name with a backbone submodule (e.g. BertModel's `pooler`, `encoder`):
        # transformers' loader maps a checkpoint key `k` to `backbone.k` whenever the latter exists, which
        # would swap the two modules' weights on every reload.
        self.dropout = nn.Dropout(config.dropout)
        if apc_model in POST_ENCODER_MODELS:
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
            labels, canonical_architecture(apc_model),
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
        lcfs_cdm_vec: torch.Tensor | None = None,
        lcfs_cdw_vec: torch.Tensor | None = None,
        left_lcfs_cdm_vec: torch.Tensor | None = None,
        left_lcfs_cdw_vec: torch.Tensor | None = None,
        right_lcfs_cdm_vec: torch.Tensor | None = None,
        right_lcfs_cdw_vec: torch.Tensor | None = None,
        dlcf_cdm_vec: torch.Tensor | None = None,
        dlcf_cdw_vec: torch.Tensor | None = None,
        dlcfs_cdm_vec: torch.Tensor | None = None,
        dlcfs_cdw_vec: torch.Tensor | None = None,
        depend_vec: torch.Tensor | None = None,
        depended_vec: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
    ) -> APCSequenceClassifierOutput | tuple[torch.Tensor, ...]:
        """Classify the aspect of each example.

        All per-token arguments are (batch, length) and aligned with `input_ids` (the sentence-aspect pair
        encoding); `sentence_length` is (batch,). Which extra arguments are needed depends on the config:
        `config.forward_inputs` (a missing one raises a ValueError naming it). `labels` (batch,) adds the
        cross-entropy `loss` (scalar): the mean over the rows whose label is not -100 (unlabelled), 0 when no
        row is labelled; for lca_bert ``(1 - sigma) ×`` that ``+ sigma ×`` its `local_context_loss` (the
        per-token local-context cross-entropy, a mean over the real tokens of the labelled rows). Returns
        `APCSequenceClassifierOutput(loss, logits[, local_context_loss])`, or ``(loss, logits)`` / ``(logits,)``
        when `return_dict=False`.
        """
        # Every extra input by name (all arguments but the backbone's, labels and return_dict), before any other
        # local variable exists.
        given = {name: value for name, value in locals().items() if name not in _NOT_EXTRA_INPUTS}
        config = self.config
        self._check_inputs(input_ids, token_type_ids, given)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        inputs = ModelInputs(input_ids, attention_mask, token_type_ids, given)

        apc_model, local_context = config.apc_model, None
        if apc_model == "bert_mlp":
            features = self._encode(input_ids, attention_mask, token_type_ids)
            logits = self.classifier(self.dropout(self.head_pooler(features)))
        elif apc_model == "fast_lcf_bert_att":
            logits = self._attention_logits(inputs)
        elif apc_model == "lca_bert":
            logits, local_context = self._lca_logits(inputs)
        elif apc_model in DCA_MODELS:  # no dropout before the encoder, as in PyABSA
            features, mask = self._dca_features(inputs)
            logits = self.classifier(self.head_pooler(self.post_encoder(features, mask)))
        else:
            if apc_model in SPC_MODELS:
                features, mask = self._spc_features(inputs)
            elif apc_model in LSA_MODELS:
                features, mask = self._lsa_features(inputs)
            else:
                features, mask = self._lcf_features(inputs)
            logits = self.classifier(self.head_pooler(self.post_encoder(self.dropout(features), mask)))
        local_context_loss = None
        if local_context is not None and labels is not None:
            local_context_loss = token_cross_entropy(*local_context, attention_mask, labels)
        return classification_output(logits, labels, config, return_dict, local_context_loss)

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

    def _vector(
        self, given: dict[str, torch.Tensor | None], kind: str, like: torch.Tensor, side: str = ""
    ) -> torch.Tensor | None:
        """The local-context vector of this architecture's family, ``kind`` ("cdw"/"cdm") and ``side`` ("",
        "left", "right"), (batch, length) in the dtype of ``like``; None when not given."""
        value = given[f"{side + '_' if side else ''}{self._vector_family}_{kind}_vec"]
        return None if value is None else value.to(like.dtype)

    def _encode_with_neighbours(self, inputs: ModelInputs) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """The pair and the pairs of the neighbouring aspects of `config.window` (one backbone pass each in PyABSA):
        {"centre" / "left" / "right": (hidden (batch, length, hidden), attention mask (batch, length))}.

        The passes go through the backbone as one batch (same result as 3 passes); each pass's padding is zeroed
        so that only real tokens of some pass contribute where the passes are concatenated."""
        input_ids, attention_mask, token_type_ids, given = inputs
        sides = [side for side, letter in (("left", "l"), ("right", "r")) if letter in self.config.window]
        masks = [attention_mask] + [given[f"{side}_attention_mask"] for side in sides]
        ids = torch.cat([input_ids] + [given[f"{side}_input_ids"] for side in sides])
        types = None
        if token_type_ids is not None:
            types = torch.cat([token_type_ids] + [given[f"{side}_token_type_ids"] for side in sides])
        stacked_masks = torch.cat(masks)
        hidden = self._encode(ids, stacked_masks, types)
        hidden = hidden * stacked_masks.unsqueeze(-1).to(hidden.dtype)
        return dict(zip(["centre"] + sides, zip(hidden.chunk(1 + len(sides)), masks)))

    @staticmethod
    def _union_mask(passes: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """The positions that are real tokens of some pass (batch, length), bool."""
        return torch.stack([mask.to(torch.bool) for _, mask in passes.values()]).any(dim=0)

    def _spc_features(self, inputs: ModelInputs) -> tuple[torch.Tensor, torch.Tensor]:
        """bert_spc / bert_spc_v2 (PyABSA bert_spc.py, bert_spc_v2.py)."""
        input_ids, attention_mask, token_type_ids, _ = inputs
        config = self.config
        if not config.lsa:
            return self.linear(self._encode(input_ids, attention_mask, token_type_ids)), attention_mask

        passes = self._encode_with_neighbours(inputs)
        if config.apc_model == "bert_spc_v2":
            weights = (getattr(self, "eta1", None), getattr(self, "eta2", None))
        else:
            weights = fixed_window_weights(config.window, config.eta)
        features = combine_windows(
            passes["centre"][0],
            passes.get("left", (None,))[0],
            passes.get("right", (None,))[0],
            config.window,
            self.window_linear,
            *weights,
        )
        return self.linear(features), self._union_mask(passes)

    def _global_and_local(self, inputs: ModelInputs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(global features, their attention mask, local features, theirs) of the LCF-style architectures.

        The global pass covers the pair (or, with ``use_bert_spc=False``, the sentence segment alone). PyABSA's
        local pass encodes "[CLS] sentence [SEP]": here the same ids with attention kept to the sentence segment
        (same positions and segment ids for BERT), through ``local_backbone`` when the architecture has one. A
        one-pass architecture's local features are its global ones."""
        input_ids, attention_mask, token_type_ids, given = inputs
        sentence_length = given["sentence_length"]
        config = self.config
        sentence_mask = None
        if sentence_length is not None:
            positions = torch.arange(input_ids.shape[1], device=input_ids.device)
            in_sentence = positions < sentence_length.view(-1, 1)
            sentence_mask = (attention_mask.to(torch.bool) & in_sentence).to(attention_mask.dtype)
        context_mask = attention_mask if config.use_bert_spc else sentence_mask
        global_features = self._encode(input_ids, context_mask, token_type_ids)
        local_backbone = getattr(self, "local_backbone", None)
        if local_backbone is not None:
            local_features = self._encode(input_ids, sentence_mask, token_type_ids, backbone=local_backbone)
            return global_features, context_mask, local_features, sentence_mask
        if config.apc_model in TWO_PASS_MODELS and config.use_bert_spc:
            return global_features, context_mask, self._encode(input_ids, sentence_mask, token_type_ids), sentence_mask
        # One pass, or a two-pass architecture whose global pass already is the sentence-only pass.
        return global_features, context_mask, global_features, context_mask

    def _fuse(self, global_features: torch.Tensor, local_features: list[torch.Tensor]) -> torch.Tensor:
        """PyABSA's fusion of the global features with the local ones, one per lcf kind: ``fusion_linear`` of
        (global, cdw, cdm), or ``post_linear`` of (local, global) in the order the architecture concatenates."""
        if self.config.lcf == "fusion":
            return self.fusion_linear(torch.cat([global_features] + local_features, dim=-1))
        if self.config.apc_model in LSA_MODELS:
            return self.post_linear(torch.cat([global_features, local_features[0]], dim=-1))
        return self.post_linear(torch.cat([local_features[0], global_features], dim=-1))

    def _lcf_features(self, inputs: ModelInputs) -> tuple[torch.Tensor, torch.Tensor]:
        """lcf_bert / fast_lcf_bert / lcf_dual_bert (PyABSA lcf_bert.py, fast_lcf_bert.py, lcf_dual_bert.py),
        honouring config.lcf (PyABSA 2.4.2 always reads the CDW vector)."""
        given = inputs.given
        global_features, context_mask, local_features, local_mask = self._global_and_local(inputs)
        lcf_features = [
            getattr(self, f"{kind}_encoder")(
                local_features * self._vector(given, kind, local_features).unsqueeze(-1), local_mask
            )
            for kind in lcf_kinds(self.config.apc_model, self.config.lcf)
        ]
        return self._fuse(global_features, lcf_features), context_mask

    def _lsa_features(self, inputs: ModelInputs) -> tuple[torch.Tensor, torch.Tensor]:
        """fast_lsa_t_v2 / fast_lsa_t / lsa_t (PyABSA fast_lsa_t_v2.py + networks/lsa.py, fast_lsa_t.py, lsa_t.py).

        lsa_t encodes the neighbours' pairs too (`_encode_with_neighbours`), and each window weights its own pass
        by its own aspect's vector; the one-pass models weight the pair's features by every window's vector."""
        input_ids, attention_mask, token_type_ids, given = inputs
        config = self.config
        side_features, mask = None, attention_mask
        if LSA_MODELS[config.apc_model][0] == 1:
            global_features = self._encode(input_ids, attention_mask, token_type_ids)
        else:
            passes = self._encode_with_neighbours(inputs)
            global_features = passes["centre"][0]
            side_features = {side: passes[side] for side in ("left", "right") if side in passes}
            mask = self._union_mask(passes)
        aggregated = [
            getattr(self, f"{kind}_lsa")(
                global_features,
                attention_mask,
                self._vector(given, kind, global_features),
                self._vector(given, kind, global_features, "left"),
                self._vector(given, kind, global_features, "right"),
                side_features,
            )
            for kind in lcf_kinds(config.apc_model, config.lcf)
        ]
        return self._fuse(global_features, aggregated), mask

    def _attention_logits(self, inputs: ModelInputs) -> torch.Tensor:
        """fast_lcf_bert_att (PyABSA fast_lcf_bert_att.py): the local features (global × local-context vector,
        encoded) score every global position, alpha = softmax over positions of sum over local positions of
        local·global; the logits classify ``att_linear(pooled global, alpha-weighted global, pooled local)``.

        As in PyABSA, no dropout. Padded positions are left out of both the sum and the softmax."""
        given = inputs.given
        global_features, mask, _, _ = self._global_and_local(inputs)
        kind = lcf_kinds(self.config.apc_model, self.config.lcf)[0]
        local_features = getattr(self, f"{kind}_encoder")(
            global_features * self._vector(given, kind, global_features).unsqueeze(-1), mask
        )
        alpha = local_attention_weights(local_features, global_features, mask)
        attended = torch.einsum("bl,blh->bh", alpha.to(global_features.dtype), global_features)
        features = torch.cat([self.head_pooler(global_features), attended, self.head_pooler(local_features)], dim=-1)
        return self.classifier(self.att_linear(features))

    def _lca_logits(self, inputs: ModelInputs) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """lca_bert (PyABSA lca_bert.py): (logits, (local-context logits (batch, length, 2), local-context labels
        (batch, length))).

        The global features are concatenated with an embedding of the CDM mask (1 = in the local context) and
        projected; the local pass (the second backbone) is weighted by the CDM mask and encoded; both are
        projected together, which feeds the per-token local-context classifier and, after dropout, the pooler
        and the sentiment classifier. (PyABSA also builds a global encoder that its forward never uses: left out,
        so that every parameter gets a gradient.)"""
        given = inputs.given
        global_features, _, local_features, local_mask = self._global_and_local(inputs)
        cdm = self._vector(given, "cdm", global_features)
        in_local_context = cdm.round().long()
        global_features = self.local_context_linear(
            torch.cat([global_features, self.local_context_embedding(in_local_context)], dim=-1)
        )
        local_features = self.cdm_encoder(local_features * cdm.unsqueeze(-1), local_mask)
        features = self.post_linear(torch.cat([local_features, global_features], dim=-1))
        logits = self.classifier(self.head_pooler(self.dropout(features)))
        return logits, (self.local_context_classifier(features), in_local_context)

    def _dca_features(self, inputs: ModelInputs) -> tuple[torch.Tensor, torch.Tensor]:
        """dlcf_dca_bert / dlcfs_dca_bert (PyABSA dlcf_dca_bert.py, dlcfs_dca_bert.py): the local features weighted by
        the dynamic local-context vector, reweighted by each `DependencyClusterWeights` layer in turn, concatenated
        with the global features and fed forward."""
        given = inputs.given
        global_features, context_mask, local_features, local_mask = self._global_and_local(inputs)
        kind = lcf_kinds(self.config.apc_model, self.config.lcf)[0]
        local_features = local_features * self._vector(given, kind, local_features).unsqueeze(-1)
        depend_vec, depended_vec = (given[name].to(local_features.dtype) for name in ("depend_vec", "depended_vec"))
        ones = local_features.new_ones(local_features.shape[0], 1)
        weights = (ones, ones)
        for layer in self.dca_layers:
            local_features, weights = layer(local_features, local_mask, depend_vec, depended_vec, weights)
        return self.cat_feed_forward(torch.cat([local_features, global_features], dim=-1)), context_mask


def local_attention_weights(
    local_features: torch.Tensor, global_features: torch.Tensor, attention_mask: torch.Tensor
) -> torch.Tensor:
    """fast_lcf_bert_att's attention over positions (PyABSA fast_lcf_bert_att.py): softmax over k of
    sum over q of local_q · global_k, padding left out of both.

    The scores are sums of up to length × hidden products, in the thousands; bf16 (8 significant bits) would move
    them by tens and the softmax, nearly an argmax at that scale, with them. So they are computed in fp32 even
    under autocast.

    Args:
        local_features, global_features: (batch, length, hidden).
        attention_mask: (batch, length), 1 = real token.

    Returns:
        (batch, length) float32 weights summing to 1 over each row's real tokens.
    """
    real = attention_mask.to(torch.bool)
    with torch.autocast(device_type=local_features.device.type, enabled=False):
        # sum_q (local_q · global_k) = (sum_q local_q) · global_k: one (batch, hidden) product, not (length, length).
        summed_local = (local_features.float() * real.unsqueeze(-1)).sum(dim=1)
        scores = torch.einsum("bh,blh->bl", summed_local, global_features.float())
        return torch.softmax(scores.masked_fill(~real, torch.finfo(scores.dtype).min), dim=-1)


def token_cross_entropy(
    token_logits: torch.Tensor, token_labels: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy of ``token_logits`` (batch, length, classes) against ``token_labels`` (batch, length): the
    mean over the real tokens (``attention_mask``) of the rows whose ``labels`` (batch,) are not -100; 0 when
    there are none. (PyABSA averages over every position up to max_seq_len, padding included.)"""
    counted = attention_mask.to(torch.bool) & labels.view(-1, 1).ne(IGNORED_LABEL_ID)
    losses = nn.functional.cross_entropy(token_logits.transpose(1, 2), token_labels, reduction="none")
    return (losses * counted.to(losses.dtype)).sum() / counted.sum().clamp(min=1)


def classification_output(
    logits: torch.Tensor,
    labels: torch.Tensor | None,
    config: PretrainedConfig,
    return_dict: bool | None,
    local_context_loss: torch.Tensor | None = None,
) -> APCSequenceClassifierOutput | tuple[torch.Tensor, ...]:
    """The model output for ``logits`` (batch, num_labels): with ``labels`` (batch,) the cross-entropy ``loss``
    (scalar), the mean over the rows whose label is not -100, 0 when none is labelled. With a
    ``local_context_loss`` (lca_bert) the loss is ``(1 - config.sigma) × cross-entropy + config.sigma ×
    local_context_loss``, PyABSA's LCA_BERT loss."""
    loss = None
    if labels is not None:
        labels = labels.view(-1).long()
        # Mean over the labelled rows; a batch with none (all -100) gives 0, still attached to the graph,
        # where the plain mean gives 0/0 = NaN, which reaches the weights when gradients are not clipped.
        summed = nn.functional.cross_entropy(
            logits.view(-1, config.num_labels), labels, ignore_index=IGNORED_LABEL_ID, reduction="sum"
        )
        loss = summed / labels.ne(IGNORED_LABEL_ID).sum().clamp(min=1)
        if local_context_loss is not None:
            loss = (1 - config.sigma) * loss + config.sigma * local_context_loss
    if not (return_dict if return_dict is not None else config.return_dict):
        return (loss, logits) if loss is not None else (logits,)
    return APCSequenceClassifierOutput(loss=loss, logits=logits, local_context_loss=local_context_loss)


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

    @property
    def module(self) -> PreTrainedModel:
        """The shared backbone itself."""
        return self._backbone[0]

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
    return no loss of their own). With lca_bert members it is ``(1 - sigma) ×`` that ``+ sigma ×`` the mean of
    their local-context losses, the LCA loss of the ensemble's prediction (PyABSA sums the members' own losses
    and then ignores the combined logits, which leaves its ``dense`` layer untrained).

    Backbones: shared by default, as PyABSA shares its PLM between LCF members: one backbone (``backbone.*`` in the
    checkpoint), and within one forward, members whose backbone inputs are equal (ids, mask, token types) reuse one
    pass, while a member with other inputs (``lcf_bert``'s sentence-only local pass, ``bert_spc``'s neighbour pairs
    with ``lsa``) gets its own. With ``deep_ensemble=True`` each member holds its own copy
    (``members.{i}.backbone.*``), all starting from the same pretrained weights (PyABSA deep-copies the PLM for its
    PLM and GloVe baselines only, never for the LCF family). A member with a second backbone of its own
    (lcf_dual_bert, lca_bert: ``members.{i}.local_backbone.*``) keeps it in either case, as in PyABSA.

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
            # With the labels, so that a member with a loss of its own (lca_bert) reports it.
            outputs = [member(**arguments, labels=labels, return_dict=True) for member in self.members]
        finally:
            if passes is not None:
                passes.passes = None
        member_logits = [output.logits for output in outputs]
        if self.config.ensemble_mode == "cat":
            logits = self.cat_linear(torch.cat(member_logits, dim=-1))
        else:
            logits = torch.stack(member_logits).mean(dim=0)
        local_context_losses = [output.local_context_loss for output in outputs
                                if output.local_context_loss is not None]
        local_context_loss = torch.stack(local_context_losses).mean() if local_context_losses else None
        return classification_output(logits, labels, self.config, return_dict, local_context_loss)

    forward.__signature__ = MEMBER_FORWARD_SIGNATURE
