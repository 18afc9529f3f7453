"""`ATEPCConfig`: the configuration of hf_absa's aspect term extraction + polarity (ATEPC) models.

This file is copied next to the weights by `save_pretrained` (remote code), so it imports only `transformers` and
same-folder modules through single-dot relative imports, never `hf_absa`.

The token head tags each token with one of `ATEPC_TAGS` (`config.id2label`); the polarity head classifies each
given aspect span into `config.polarity_labels`. The model hyper-parameters are declared once, in
`ATEPC_MODEL_SETTINGS`, with PyABSA's ATEPC defaults (`atepc_configuration.py`: model LCF_ATEPC, max_seq_len 80,
lcf cdw, SRD 3, dropout 0.5; its loss is ``loss_ate + ate_loss_weight * loss_apc`` with a weight of 1).
"""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

from .configuration_apc import (
    HF_ABSA_VERSION,
    IGNORED_LABEL_ID,
    LCF_MODES,
    ModelSetting,
    backbone_config_dict,
    check_length_settings,
    label_maps,
    rebuild_backbone_config,
)

__all__ = [
    "ATEPC_MODELS",
    "ATEPC_MODEL_SETTINGS",
    "ATEPC_TAGS",
    "POLARITY_LOSS_WEIGHTS",
    "BOUNDARY_CLASSES",
    "IGNORED_LABEL_ID",
    "ATEPCConfig",
]

# The token head's labels, in id order (IOB2 over one entity type, the aspect term): ids 0, 1, 2.
ATEPC_TAGS: tuple[str, ...] = ("O", "B-ASP", "I-ASP")
# The training-only classes of `boundary_loss`: the sentence's leading and trailing special tokens (PyABSA's tags).
BOUNDARY_CLASSES: tuple[str, ...] = ("[CLS]", "[SEP]")
ATEPC_MODELS: tuple[str, ...] = ("bert_base_atepc", "fast_lcf_atepc", "lcf_atepc")
# Each architecture's default polarity loss weight (`ATEPCConfig.polarity_loss_weight`; PyABSA: 1.0 for all). The
# LCF heads train their encoders at the polarity head's rate, and at weight 1 their larger polarity gradient took
# 4 points of extraction F1 from the shared backbone after one epoch on Restaurant14; at 0.5 AdamW still moves the
# head's own layers at full speed (its steps do not depend on the loss's scale) while the backbone hears the tag
# loss as before (BENCHMARKS.md, "ATEPC: aspects that disagree"). 0.3 was chosen over 0.5 and 1.0 on the official
# dev splits of e2e_absa rest14 and laptop14 (fast_lcf_atepc, seeds 1-3: best dev end-to-end and extraction F1 on
# both; BENCHMARKS.md, "ATEPC: the polarity loss weight chosen on dev"). bert_base_atepc's polarity accuracy drops
# at 0.5.
POLARITY_LOSS_WEIGHTS: dict[str, float] = {"bert_base_atepc": 1.0, "fast_lcf_atepc": 0.3, "lcf_atepc": 0.3}
# The architectures with a local-context polarity head (the only readers of lcf and srd).
LCF_ATEPC_MODELS: tuple[str, ...] = ("fast_lcf_atepc", "lcf_atepc")

ATEPC_MODEL_SETTINGS: tuple[ModelSetting, ...] = (
    ModelSetting(
        "atepc_model", "lcf_atepc", "ATEPC architecture (PyABSA's `model`, in any case; its default LCF_ATEPC).",
        ATEPC_MODELS, ("architecture",), any_case=True,
    ),
    ModelSetting("max_seq_len", 80, "Maximum tokens per sentence; aspects beyond it are cut off (and counted)."),
    ModelSetting(
        "lcf", "cdw", "Local context focus of the LCF models: cdw (weighting), cdm (masking) or fusion.", LCF_MODES,
        read_by=LCF_ATEPC_MODELS,
    ),
    ModelSetting(
        "srd", 3, "Semantic-relative distance: half-width of the local context window, in tokens.", aliases=("SRD",),
        read_by=LCF_ATEPC_MODELS,
    ),
    ModelSetting("dropout", 0.5, "Dropout probability of the token and polarity heads."),
    ModelSetting(
        "polarity_loss_weight", None,
        "Weight of the polarity loss in tag loss + weight x polarity loss (PyABSA's `ate_loss_weight`, which "
        "despite its name weights the polarity loss); default: the architecture's ("
        + ", ".join(f"{weight} for {name}" for name, weight in POLARITY_LOSS_WEIGHTS.items()) + ").",
        aliases=("ate_loss_weight",), value_type=float,
    ),
    ModelSetting(
        "boundary_loss", True,
        "Also train the token head to tell the sentence's leading and trailing special tokens ([CLS], [SEP]) from "
        "its words, as PyABSA's tag set does (its tags include [CLS] and [SEP]). The two extra classes are used in "
        "training only; predictions stay O / B-ASP / I-ASP.",
    ),
)
SETTING_DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in ATEPC_MODEL_SETTINGS}


def _check_number(name: str, value: Any, low: float, high: float | None = None, high_inclusive: bool = False) -> None:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and value >= low
    if ok and high is not None:
        ok = value <= high if high_inclusive else value < high
    if not ok:
        bound = "" if high is None else f" and {'<=' if high_inclusive else '<'} {high}"
        raise ValueError(f"{name} must be a number >= {low}{bound}, got {value!r}.")


class ATEPCConfig(PretrainedConfig):
    """Configuration of `ATEPCModelForTokenClassification` (PyABSA's ATEPC hyper-parameters).

    `id2label` / `label2id` are always the tags `ATEPC_TAGS` (the token head's classes, what the stock
    token-classification pipeline reads); the polarity classes are `polarity_labels`.

    Args:
        backbone_config: the backbone's config, as a dict (`PretrainedConfig.to_dict()`) or a config object
            (stored as its dict). Rehydrated locally with `AutoConfig.for_model`, so loading never needs the
            network. Only None for the bare `ATEPCConfig()` transformers builds internally.
        polarity_labels: polarity names in class-index order, e.g. ``["Negative", "Neutral", "Positive"]``
            (at least 2, distinct). Only None for the bare config.
        atepc_model: one of `ATEPC_MODELS`.
        lcf: local context focus, "cdw" (dynamic weighting), "cdm" (dynamic masking) or "fusion" (both).
        srd: semantic-relative distance (PyABSA's ``SRD``, also accepted, as is ``config.SRD``): half-width of the
            local context window around an aspect, in tokens.
        dropout: dropout probability of the heads, 0 <= dropout < 1.
        polarity_loss_weight: the polarity loss's weight in the joint loss, >= 0 (PyABSA's ``ate_loss_weight``
            also accepted); None = the architecture's default, `POLARITY_LOSS_WEIGHTS` (1.0 for
            ``bert_base_atepc``, 0.3 for the LCF models).
        boundary_loss: whether training also classifies the leading and trailing special tokens as two classes of
            their own (`ATEPCModelForTokenClassification.boundary_targets`); inference never uses them.
        max_seq_len: maximum number of tokens per sentence (used by the data processor), >= 4.
        backbone_name_or_path: where the backbone came from (informational).
        hf_absa_version: the hf_absa version that created the config.

    Raises:
        ValueError: any value outside the ranges above, an unknown `atepc_model` or `lcf`, or an `id2label`
            other than the tags.
    """

    model_type = "hf_absa_atepc"
    attribute_map = {"SRD": "srd"}

    def __init__(
        self,
        backbone_config: dict[str, Any] | PretrainedConfig | None = None,
        polarity_labels: list[str] | tuple[str, ...] | None = None,
        atepc_model: str = SETTING_DEFAULTS["atepc_model"],
        lcf: str = SETTING_DEFAULTS["lcf"],
        srd: int = SETTING_DEFAULTS["srd"],
        dropout: float = SETTING_DEFAULTS["dropout"],
        polarity_loss_weight: float | None = SETTING_DEFAULTS["polarity_loss_weight"],
        boundary_loss: bool = SETTING_DEFAULTS["boundary_loss"],
        max_seq_len: int = SETTING_DEFAULTS["max_seq_len"],
        backbone_name_or_path: str | None = None,
        hf_absa_version: str = HF_ABSA_VERSION,
        **kwargs: Any,
    ) -> None:
        if "SRD" in kwargs:  # PyABSA's spelling
            srd = kwargs.pop("SRD")
        if "ate_loss_weight" in kwargs:  # PyABSA's name for the polarity loss weight
            polarity_loss_weight = kwargs.pop("ate_loss_weight")
        if isinstance(atepc_model, str):
            atepc_model = atepc_model.lower()  # PyABSA's class names: FAST_LCF_ATEPC
        if atepc_model not in ATEPC_MODELS:
            raise ValueError(
                f"atepc_model={atepc_model!r} is not an hf_absa ATEPC architecture; expected one of {ATEPC_MODELS}."
            )
        if lcf not in LCF_MODES:
            raise ValueError(f"lcf={lcf!r} is not valid; expected one of {LCF_MODES}.")
        check_length_settings(srd, max_seq_len)
        _check_number("dropout", dropout, 0, 1)
        if polarity_loss_weight is None:
            polarity_loss_weight = POLARITY_LOSS_WEIGHTS[atepc_model]
        _check_number("polarity_loss_weight", polarity_loss_weight, 0)
        if not isinstance(boundary_loss, bool):
            raise ValueError(f"boundary_loss must be True or False, got {boundary_loss!r}.")
        if polarity_labels is not None:
            try:
                polarity_labels = list(label_maps(polarity_labels)[0].values())
            except ValueError as error:
                raise ValueError(f"polarity_labels: {error}") from None
        backbone_config = backbone_config_dict(backbone_config)
        id2label = kwargs.pop("id2label", None)
        kwargs.pop("label2id", None)
        kwargs.pop("num_labels", None)
        if id2label is not None and [id2label[key] for key in sorted(id2label, key=int)] != list(ATEPC_TAGS):
            raise ValueError(
                f"id2label of an ATEPC model is always the tags {dict(enumerate(ATEPC_TAGS))}, got {id2label!r}; "
                "the polarity classes go in polarity_labels=[...]."
            )
        kwargs["id2label"], kwargs["label2id"] = label_maps(ATEPC_TAGS)
        if backbone_config is not None and kwargs.get("pad_token_id") is None:
            # The pad id is the backbone's; stating it here keeps Trainer from "aligning" it with a warning.
            kwargs["pad_token_id"] = backbone_config.get("pad_token_id")
        super().__init__(**kwargs)

        self.backbone_config = backbone_config
        self.polarity_labels = polarity_labels
        self.atepc_model = atepc_model
        self.lcf = lcf
        self.srd = srd
        self.dropout = float(dropout)
        self.polarity_loss_weight = float(polarity_loss_weight)
        self.boundary_loss = boundary_loss
        self.max_seq_len = max_seq_len
        self.backbone_name_or_path = backbone_name_or_path
        self.hf_absa_version = hf_absa_version

    @property
    def polarity_label2id(self) -> dict[str, int]:
        """Polarity name → class index (empty for the bare config)."""
        return {label: index for index, label in enumerate(self.polarity_labels or ())}

    def model_settings(self) -> dict[str, Any]:
        """The model hyper-parameters of `ATEPC_MODEL_SETTINGS` with this config's values, in table order."""
        return {setting.name: getattr(self, setting.name) for setting in ATEPC_MODEL_SETTINGS}

    def get_backbone_config(self) -> PretrainedConfig:
        """The backbone's config object, rebuilt from the stored dict (no network, no files).

        Raises:
            ValueError: the config has no backbone_config (the bare `ATEPCConfig()`).
        """
        return rebuild_backbone_config(
            self.backbone_config,
            "This ATEPCConfig has no backbone_config. Build models with "
            "ATEPCModelForTokenClassification.from_pretrained('<backbone id or path>', polarity_labels=[...]) "
            "or ATEPCConfig(backbone_config=AutoConfig.from_pretrained(...).to_dict(), polarity_labels=[...]).",
        )
