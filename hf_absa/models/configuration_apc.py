"""`APCConfig`: the configuration of hf_absa's aspect polarity classification (APC) models.

This file is copied next to the weights by `save_pretrained` (remote code), so it imports only
`transformers` and must never import `hf_absa` (the library version is a hard-coded constant).

It is also the single source of truth for which extra input columns each architecture reads
(`APC_MODEL_INPUTS`, `LSA_SPC_INPUTS`, `required_inputs`); `hf_absa.models` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformers import AutoConfig, PretrainedConfig

# The package version, written here once: `hf_absa.__version__` and pyproject.toml's dynamic version read it. It
# lives in this file because this file must load where hf_absa is not installed (remote code).
HF_ABSA_VERSION = "0.1.0"

# Label id of an unlabelled example (PyTorch's cross-entropy default): the processor writes it, the loss skips it.
IGNORED_LABEL_ID = -100

# Extra input columns (beyond input_ids / attention_mask / token_type_ids) each architecture can read
# under some lcf/window setting (PyABSA declares the same as each model class's `inputs` list).
LCF_VECTOR_INPUTS: tuple[str, ...] = (
    "lcf_cdm_vec",
    "lcf_cdw_vec",
    "left_lcf_cdm_vec",
    "left_lcf_cdw_vec",
    "right_lcf_cdm_vec",
    "right_lcf_cdw_vec",
)
# The pair encodings of the left / right neighbouring aspects (bert_spc with lsa, lsa_t: one backbone pass each).
LSA_SPC_INPUTS: tuple[str, ...] = (
    "left_input_ids",
    "left_attention_mask",
    "left_token_type_ids",
    "right_input_ids",
    "right_attention_mask",
    "right_token_type_ids",
)
LOCAL_CONTEXT_INPUTS: tuple[str, ...] = ("lcf_cdm_vec", "lcf_cdw_vec")
# The columns computed from a dependency parse (hf_absa.data.syntax): the lcfs vectors, CDM/CDW on syntax
# distances, of the aspect and its neighbours; DLCF-DCA's vectors on a dynamic threshold over token positions
# (dlcf) or syntax distances (dlcfs), and its dependency clusters.
SYNTAX_VECTOR_INPUTS: tuple[str, ...] = tuple(name.replace("lcf_", "lcfs_") for name in LCF_VECTOR_INPUTS)
DLCF_INPUTS: tuple[str, ...] = (
    "dlcf_cdm_vec",
    "dlcf_cdw_vec",
    "dlcfs_cdm_vec",
    "dlcfs_cdw_vec",
    "depend_vec",
    "depended_vec",
)
SYNTAX_INPUTS: tuple[str, ...] = SYNTAX_VECTOR_INPUTS + DLCF_INPUTS
APC_MODEL_INPUTS: dict[str, tuple[str, ...]] = {
    "bert_spc": (),  # + LSA_SPC_INPUTS when config.lsa=True
    "bert_spc_v2": (),  # same; learnable eta1/eta2 used when lsa=True
    "lcf_bert": LOCAL_CONTEXT_INPUTS + ("sentence_length",),
    "fast_lcf_bert": LOCAL_CONTEXT_INPUTS,
    "fast_lsa_t_v2": LCF_VECTOR_INPUTS,
    "bert_mlp": (),
    "lcf_dual_bert": LOCAL_CONTEXT_INPUTS + ("sentence_length",),
    "fast_lcf_bert_att": LOCAL_CONTEXT_INPUTS,
    "lca_bert": ("lcf_cdm_vec", "sentence_length"),  # always CDM: its local-context labels are the CDM mask
    "lsa_t": LCF_VECTOR_INPUTS + LSA_SPC_INPUTS,
    "fast_lsa_t": LCF_VECTOR_INPUTS,
    # On syntax distances (a dependency parse, hf_absa.data.syntax).
    "lcfs_bert": SYNTAX_VECTOR_INPUTS[:2] + ("sentence_length",),
    "fast_lcfs_bert": SYNTAX_VECTOR_INPUTS[:2],
    "lcfs_dual_bert": SYNTAX_VECTOR_INPUTS[:2] + ("sentence_length",),
    "lsa_s": SYNTAX_VECTOR_INPUTS + LSA_SPC_INPUTS,
    "fast_lsa_s": SYNTAX_VECTOR_INPUTS,
    "fast_lsa_s_v2": SYNTAX_VECTOR_INPUTS,
    "dlcf_dca_bert": DLCF_INPUTS[:2] + DLCF_INPUTS[4:] + ("sentence_length",),
    "dlcfs_dca_bert": DLCF_INPUTS[2:] + ("sentence_length",),
}
APC_MODELS: tuple[str, ...] = tuple(APC_MODEL_INPUTS)
# Each architecture's class in PyABSA 2.4.2 (tasks/AspectPolarityClassification/models/__lcf__/).
PYABSA_MODEL_NAMES: dict[str, str] = {name: name.upper() for name in APC_MODELS}
# Other accepted spellings of an architecture: PyABSA 1.x called BERT_MLP BERT_BASE.
APC_MODEL_ALIASES: dict[str, str] = {"bert_base": "bert_mlp"}
SPC_MODELS: tuple[str, ...] = ("bert_spc", "bert_spc_v2")  # the only ones for which `lsa` means anything
# Architectures whose global pass can cover the sentence alone (use_bert_spc=False) in their one backbone pass,
# which then needs the sentence's length (the two-pass ones read it anyway).
SINGLE_PASS_LCF_MODELS: tuple[str, ...] = ("fast_lcf_bert", "fast_lcf_bert_att", "fast_lcfs_bert")
# Architectures with one local-context vector and no fusion design: lcf="fusion" is refused for them.
NO_FUSION_MODELS: tuple[str, ...] = ("fast_lcf_bert_att", "dlcf_dca_bert", "dlcfs_dca_bert")
# The architectures whose inputs come from a dependency parse (the processor needs spaCy or an injected parser).
SYNTAX_MODELS: tuple[str, ...] = tuple(
    name for name, inputs in APC_MODEL_INPUTS.items() if set(inputs) & set(SYNTAX_INPUTS)
)
LCF_MODES: tuple[str, ...] = ("cdw", "cdm", "fusion")
WINDOWS: tuple[str, ...] = ("l", "r", "lr")
# `apc_model` of an ensemble (PyABSA's APCEnsembler): its members are `ensemble_models`, each one of APC_MODELS.
ENSEMBLE = "ensemble"
APC_ARCHITECTURES: tuple[str, ...] = APC_MODELS + (ENSEMBLE,)
# How an ensemble combines its members' logits (PyABSA's ensemble_mode, instructor/ensembler.py:314-342).
ENSEMBLE_MODES: tuple[str, ...] = ("cat", "mean")


@dataclass(frozen=True)
class ModelSetting:
    """One model hyper-parameter of `APCConfig`: declared once here, read by everything that shows or sets it.

    The command line's flags (their help, defaults, choices and aliases), the model card's hyper-parameter table
    and backbone-mode `from_pretrained` keyword arguments are all derived from `APC_MODEL_SETTINGS`.
    ``aliases`` are other names accepted for it (PyABSA's spelling, a task-neutral command-line name).
    """

    name: str
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    aliases: tuple[str, ...] = ()
    # The value's type where the default does not tell it: a list-valued setting (several values on the command
    # line, each one of ``choices``) defaults to None.
    value_type: Any = None
    # Architecture names: ``choices`` also accepted in any case (PyABSA's class names, FAST_LSA_T = fast_lsa_t).
    any_case: bool = False
    # The architectures that read it (None: every one). A model card lists only the settings its architecture
    # reads (`settings_read_by`).
    read_by: tuple[str, ...] | None = None


def _reading(*columns: str) -> tuple[str, ...]:
    """The architectures whose inputs include any of ``columns``."""
    return tuple(name for name, inputs in APC_MODEL_INPUTS.items() if set(inputs) & set(columns))


LOCAL_CONTEXT_VECTORS: tuple[str, ...] = LCF_VECTOR_INPUTS + SYNTAX_VECTOR_INPUTS + DLCF_INPUTS[:4]
# Who reads which setting. `lcf` picks the CDM or CDW vector (lca_bert always reads CDM); `srd` is the window of
# the lcf/lcfs vectors (DLCF-DCA's threshold is dynamic, `dlcf_a`); `window` and `eta` are the LSA models' (and
# bert_spc's with `lsa`), the unweighted LSA models (fast_lsa_t, fast_lsa_s) reading no eta; `use_bert_spc` is
# read by the architectures with a global pass that can cover the sentence alone (`_global_and_local`).
LCF_SETTING_READERS: tuple[str, ...] = tuple(name for name in _reading(*LOCAL_CONTEXT_VECTORS) if name != "lca_bert")
SRD_READERS: tuple[str, ...] = _reading(*LCF_VECTOR_INPUTS, *SYNTAX_VECTOR_INPUTS)
WINDOW_READERS: tuple[str, ...] = SPC_MODELS + _reading("left_lcf_cdm_vec", "left_lcfs_cdm_vec")
UNWEIGHTED_LSA_MODELS: tuple[str, ...] = ("fast_lsa_t", "fast_lsa_s")
ETA_READERS: tuple[str, ...] = tuple(name for name in WINDOW_READERS if name not in UNWEIGHTED_LSA_MODELS)
USE_BERT_SPC_READERS: tuple[str, ...] = tuple(
    name for name in APC_MODELS if name in SINGLE_PASS_LCF_MODELS or "sentence_length" in APC_MODEL_INPUTS[name]
)
DCA_SETTING_READERS: tuple[str, ...] = _reading("depend_vec")
# PyABSA's FAST_LCF_BERT_ATT builds a dropout layer and never applies it; so does hf_absa.
NO_DROPOUT_MODELS: tuple[str, ...] = ("fast_lcf_bert_att",)
# Settings that bert_spc / bert_spc_v2 read only with lsa=True.
LSA_SPC_SETTINGS: tuple[str, ...] = ("window", "eta")


APC_MODEL_SETTINGS: tuple[ModelSetting, ...] = (
    ModelSetting(
        "apc_model", "bert_spc",
        "APC architecture (PyABSA's `model`, in any case: FAST_LSA_T = fast_lsa_t; bert_base = bert_mlp); "
        f"{ENSEMBLE!r} with --ensemble_models.",
        APC_ARCHITECTURES + tuple(APC_MODEL_ALIASES), ("architecture",), any_case=True,
    ),
    ModelSetting("max_seq_len", 80, "Maximum tokens per example; longer inputs are cut around the aspect."),
    ModelSetting(
        "lcf", "cdw", "Local context focus of the LCF/LSA models: cdw (weighting), cdm (masking) or fusion.", LCF_MODES,
        read_by=LCF_SETTING_READERS,
    ),
    ModelSetting(
        "srd", 3, "Semantic-relative distance: half-width of the local context window, in tokens.", aliases=("SRD",),
        read_by=SRD_READERS,
    ),
    ModelSetting(
        "window", "lr", "Neighbouring aspects the LSA models aggregate: l, r or lr.", WINDOWS, read_by=WINDOW_READERS
    ),
    ModelSetting(
        "eta", 1.0, "Initial eta1/eta2 of the LSA windows (-1 = unweighted aggregation).", read_by=ETA_READERS
    ),
    ModelSetting(
        "lsa", False, "bert_spc/bert_spc_v2: also encode the left/right neighbouring aspects.", read_by=SPC_MODELS
    ),
    ModelSetting(
        "use_bert_spc", True,
        "lcf_bert/fast_lcf_bert: global pass over the sentence-aspect pair (true) or the sentence alone (false).",
        read_by=USE_BERT_SPC_READERS,
    ),
    ModelSetting(
        "dropout", 0.5, "Dropout probability of the APC head.",
        read_by=tuple(name for name in APC_MODELS if name not in NO_DROPOUT_MODELS),
    ),
    ModelSetting(
        "sigma", 0.3,
        "lca_bert: weight of the local-context prediction loss; the loss is (1 - sigma) x sentiment cross-entropy "
        "+ sigma x local-context cross-entropy.", read_by=("lca_bert",),
    ),
    ModelSetting(
        "spacy_model", "en_core_web_sm",
        "Syntax-distance architectures: the installed spaCy pipeline that parses the sentences (hf_absa downloads "
        "none: python -m spacy download en_core_web_sm).", read_by=SYNTAX_MODELS,
    ),
    ModelSetting(
        "dlcf_a", 2.0, "dlcf_dca_bert/dlcfs_dca_bert: base a of the dynamic threshold log_a(max distance) + a - 1.",
        read_by=DCA_SETTING_READERS,
    ),
    ModelSetting(
        "dca_p", 1.0, "dlcf_dca_bert/dlcfs_dca_bert: exponent p of the dependency-cluster weights (2w / sum)^p.",
        read_by=DCA_SETTING_READERS,
    ),
    ModelSetting(
        "dca_layer", 3, "dlcf_dca_bert/dlcfs_dca_bert: number of dependency-cluster attention layers.",
        read_by=DCA_SETTING_READERS,
    ),
    ModelSetting(
        "ensemble_models", None,
        "Architectures of an ensemble trained as one model (PyABSA's list-valued `model`); sets apc_model to "
        f"{ENSEMBLE!r}.", APC_MODELS + tuple(APC_MODEL_ALIASES), value_type=list[str] | None, any_case=True,
        read_by=(ENSEMBLE,),
    ),
    ModelSetting(
        "ensemble_mode", "cat",
        "How an ensemble combines its members' logits: cat (concatenated, then a linear layer) or mean.",
        ENSEMBLE_MODES, read_by=(ENSEMBLE,),
    ),
    ModelSetting(
        "deep_ensemble", False,
        "Ensembles: one backbone copy per member (default: the members share one backbone).", read_by=(ENSEMBLE,),
    ),
)
# The settings that only an ensemble reads.
ENSEMBLE_SETTINGS: tuple[str, ...] = tuple(setting.name for setting in APC_MODEL_SETTINGS if setting.read_by == (ENSEMBLE,))
SETTING_DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in APC_MODEL_SETTINGS}


def settings_read_by(apc_model: str, lsa: bool = False, ensemble_models: list[str] | None = None) -> tuple[str, ...]:
    """The names of the `APC_MODEL_SETTINGS` that ``apc_model`` reads (its processor or its model), in table order.

    An ensemble reads the ensemble settings and what any of its ``ensemble_models`` reads; bert_spc and bert_spc_v2
    read `LSA_SPC_SETTINGS` only with ``lsa``. Changing a setting outside this list changes neither the
    architecture's inputs nor its outputs (tests/test_settings.py checks every architecture).

    >>> settings_read_by("bert_spc")
    ('apc_model', 'max_seq_len', 'lsa', 'dropout')
    >>> settings_read_by("fast_lsa_t")
    ('apc_model', 'max_seq_len', 'lcf', 'srd', 'window', 'dropout')
    """
    apc_model = canonical_architecture(apc_model)
    if apc_model == ENSEMBLE:
        architectures = {ENSEMBLE, *(ensemble_members(ensemble_models) or ())}
    else:
        architectures = {apc_model}

    def is_read(setting: ModelSetting) -> bool:
        readers = architectures if setting.read_by is None else architectures & set(setting.read_by)
        if setting.name in LSA_SPC_SETTINGS and not lsa:
            readers -= set(SPC_MODELS)
        return bool(readers)

    return tuple(setting.name for setting in APC_MODEL_SETTINGS if is_read(setting))


def backbone_config_dict(backbone_config: dict[str, Any] | PretrainedConfig | None) -> dict[str, Any] | None:
    """The backbone's config as the dict a hf_absa config stores (None stays None).

    Raises ValueError for anything that is not a backbone config (a `PretrainedConfig` or its ``to_dict()``).
    """
    if isinstance(backbone_config, PretrainedConfig):
        backbone_config = backbone_config.to_dict()
    if backbone_config is not None and not (isinstance(backbone_config, dict) and "model_type" in backbone_config):
        raise ValueError(
            "backbone_config must be the backbone's config (a PretrainedConfig or its to_dict(), "
            f"with a 'model_type' key), got {type(backbone_config).__name__}."
        )
    return backbone_config


def rebuild_backbone_config(backbone_config: dict[str, Any] | None, how_to_build: str) -> PretrainedConfig:
    """The backbone's config object, rebuilt from its stored dict with `AutoConfig.for_model` (no network).

    Raises ValueError, with ``how_to_build`` (the family's own advice), when there is no stored dict.
    """
    if backbone_config is None:
        raise ValueError(how_to_build)
    fields = dict(backbone_config)
    model_type = fields.pop("model_type")
    fields.pop("transformers_version", None)
    return AutoConfig.for_model(model_type, **fields)


def check_length_settings(srd: Any, max_seq_len: Any) -> None:
    """Raise ValueError unless ``srd`` is an int >= 0 and ``max_seq_len`` an int >= 4 (both in tokens)."""
    if isinstance(srd, bool) or not isinstance(srd, int) or srd < 0:
        raise ValueError(f"srd must be an int >= 0 (tokens), got {srd!r}.")
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len < 4:
        raise ValueError(f"max_seq_len must be an int >= 4, got {max_seq_len!r}.")


def canonical_architecture(apc_model: Any) -> Any:
    """The architecture's hf_absa name: in lower case (PyABSA's class names, ``FAST_LSA_T``, are accepted), and an
    alias of `APC_MODEL_ALIASES` becomes its architecture.

    >>> canonical_architecture("bert_base"), canonical_architecture("lsa_t"), canonical_architecture("FAST_LSA_T")
    ('bert_mlp', 'lsa_t', 'fast_lsa_t')
    """
    if not isinstance(apc_model, str):
        return apc_model
    return APC_MODEL_ALIASES.get(apc_model.lower(), apc_model.lower())


def lcf_kinds(apc_model: str, lcf: str) -> tuple[str, ...]:
    """The local-context vector kinds ("cdw", "cdm") that ``apc_model`` reads with the setting ``lcf``: both for
    "fusion", and always "cdm" for lca_bert (PyABSA forces ``lcf="cdm"`` for LCA_BERT, whose local-context
    prediction labels are the CDM mask)."""
    if apc_model == "lca_bert":
        return ("cdm",)
    return ("cdw", "cdm") if lcf == "fusion" else (lcf,)


def _check_apc_model(
    apc_model: str, lsa: bool, ensemble_models: list[str] | None = None, lcf: str | None = None
) -> None:
    if apc_model == ENSEMBLE:
        if not ensemble_models:
            raise ValueError(
                f"apc_model={ENSEMBLE!r} needs its members: ensemble_models=[...] (at least 2 of {APC_MODELS})."
            )
        if lsa and not set(ensemble_models) & set(SPC_MODELS):
            raise ValueError(f"lsa=True applies to the {SPC_MODELS} members of an ensemble, and {ensemble_models} "
                             "has none. Use lsa=False.")
        for member in ensemble_models:
            _check_apc_model(member, lsa and member in SPC_MODELS, lcf=lcf)
        return
    if apc_model not in APC_MODEL_INPUTS:
        raise ValueError(
            f"apc_model={apc_model!r} is not an hf_absa APC architecture; expected one of {APC_ARCHITECTURES}."
        )
    if lsa and apc_model not in SPC_MODELS:
        raise ValueError(
            f"lsa=True only applies to {SPC_MODELS} (3 backbone passes over the neighbouring aspects); "
            f"apc_model={apc_model!r} has its own local-context design. Use lsa=False."
        )
    if lcf == "fusion" and apc_model in NO_FUSION_MODELS:
        raise ValueError(
            f"lcf='fusion' is not defined for {apc_model!r}, which weights its features by one local-context "
            "vector; use lcf='cdw' or lcf='cdm'."
        )


def ensemble_members(ensemble_models: Any) -> list[str] | None:
    """``ensemble_models`` as the list a config stores: None (no ensemble) or at least 2 of `APC_MODELS`.

    An empty list means no ensemble. Raises ValueError for anything else.
    """
    if ensemble_models is None or (isinstance(ensemble_models, (list, tuple)) and not ensemble_models):
        return None
    if isinstance(ensemble_models, (list, tuple)):
        ensemble_models = [canonical_architecture(member) for member in ensemble_models]
    if (
        isinstance(ensemble_models, str)
        or not isinstance(ensemble_models, (list, tuple))
        or len(ensemble_models) < 2
        or any(member not in APC_MODEL_INPUTS for member in ensemble_models)
    ):
        raise ValueError(
            f"ensemble_models must list at least 2 architectures, each one of {APC_MODELS}, got {ensemble_models!r}."
        )
    return list(ensemble_models)


def ensemble_architecture(apc_model: str, ensemble_models: list[str] | None) -> str:
    """The `apc_model` of a model with these settings: `ENSEMBLE` when ``ensemble_models`` lists members and
    ``apc_model`` is `ENSEMBLE` or left at its default (so that ``--ensemble_models a b`` alone makes an ensemble),
    else ``apc_model``.

    Raises ValueError for another architecture next to ``ensemble_models``: one of the two would be ignored.
    """
    if not ensemble_models or apc_model == ENSEMBLE:
        return apc_model
    if apc_model != SETTING_DEFAULTS["apc_model"]:
        raise ValueError(
            f"apc_model={apc_model!r} and ensemble_models={list(ensemble_models)!r} contradict each other: an "
            f"ensemble's architectures are its ensemble_models (its apc_model is {ENSEMBLE!r})."
        )
    return ENSEMBLE


def required_inputs(
    apc_model: str,
    lsa: bool = False,
    *,
    lcf: str | None = None,
    window: str | None = None,
    use_bert_spc: bool = True,
    ensemble_models: list[str] | None = None,
) -> tuple[str, ...]:
    """Extra input columns, beyond `input_ids`/`attention_mask`/`token_type_ids`, for `apc_model`.

    For an ensemble (`apc_model` `ENSEMBLE`) the union of its ``ensemble_models``' columns, ``lsa`` applying to
    its `SPC_MODELS` members only.

    With `lcf` and `window` left as None this is what the data processor produces, good for every
    lcf/window setting (the spec's table, plus `sentence_length` for the `SINGLE_PASS_LCF_MODELS` with
    `use_bert_spc=False`, whose global pass then covers the sentence segment only). With `lcf` and
    `window` given it is exactly what `APCModelForSequenceClassification.forward` reads for that
    setting, and therefore refuses to run without (the LSA passes' token type ids only when the centre pair
    has token type ids). An alias of `APC_MODEL_ALIASES` stands for its architecture.
    """
    apc_model = canonical_architecture(apc_model)
    _check_apc_model(apc_model, lsa, ensemble_models, lcf)
    if apc_model == ENSEMBLE:
        columns = (
            required_inputs(member, lsa and member in SPC_MODELS, lcf=lcf, window=window, use_bert_spc=use_bert_spc)
            for member in ensemble_members(ensemble_models)
        )
        return tuple(dict.fromkeys(name for names in columns for name in names))
    if lcf is not None and lcf not in LCF_MODES:
        raise ValueError(f"lcf={lcf!r} is not valid; expected one of {LCF_MODES}.")
    if window is not None and window not in WINDOWS:
        raise ValueError(f"window={window!r} is not valid; expected one of {WINDOWS}.")

    names = LSA_SPC_INPUTS if apc_model in SPC_MODELS and lsa else APC_MODEL_INPUTS[apc_model]
    if apc_model in SINGLE_PASS_LCF_MODELS and not use_bert_spc:
        names = names + ("sentence_length",)
    if lcf is None and window is None:
        return names
    kinds = lcf_kinds(apc_model, lcf or "fusion")
    window_letters = window or "lr"

    def needed(name: str) -> bool:
        side = name.partition("_")[0]
        if side in ("left", "right") and side[0] not in window_letters:
            return False
        return not name.endswith(("_cdm_vec", "_cdw_vec")) or name[-7:-4] in kinds

    return tuple(name for name in names if needed(name))


def label_maps(labels: list[str] | tuple[str, ...]) -> tuple[dict[int, str], dict[str, int]]:
    """`id2label`, `label2id` for labels given in class-index order (e.g. ["Negative", "Neutral", "Positive"])."""
    if isinstance(labels, str) or not all(isinstance(label, str) for label in labels):
        raise ValueError(f"labels must be a list of label names (str), got {labels!r}.")
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise ValueError(f"labels must hold at least 2 distinct names, got {list(labels)!r}.")
    return dict(enumerate(labels)), {label: index for index, label in enumerate(labels)}


class APCConfig(PretrainedConfig):
    """Configuration of `APCModelForSequenceClassification` (PyABSA's APC hyper-parameters).

    The model hyper-parameters (``apc_model`` … ``dropout``) and their defaults are declared once, in
    `APC_MODEL_SETTINGS`; `model_settings` reads them back.

    Args:
        backbone_config: the backbone's config, as a dict (`PretrainedConfig.to_dict()`) or a config object
            (stored as its dict). Rehydrated locally with `AutoConfig.for_model`, so loading never needs the
            network. Only None for the bare `APCConfig()` transformers builds internally.
        apc_model: one of `APC_MODELS` (or an alias of `APC_MODEL_ALIASES`, stored as its architecture).
        lcf: local context focus, "cdw" (dynamic weighting), "cdm" (dynamic masking) or "fusion" (both).
        srd: semantic-relative distance (PyABSA's ``SRD``, also accepted, as is ``config.SRD``): half-width of the
            local context window, in tokens (used by the data processor).
        window: which neighbouring aspects the LSA models aggregate: "l", "r" or "lr".
        eta: initial value of the learnable `eta1`/`eta2` (bert_spc_v2 with lsa, fast_lsa_t_v2, fast_lsa_s_v2) or the
            fixed weight of bert_spc with lsa, lsa_t and lsa_s; -1 means unweighted aggregation (no eta parameters
            at all). fast_lsa_t / fast_lsa_s have no eta (unweighted, as in PyABSA).
        lsa: bert_spc/bert_spc_v2 only: also encode the left/right neighbouring aspects' SPC inputs.
        use_bert_spc: lcf_bert/fast_lcf_bert: global pass on the sentence-aspect pair (True) or on the
            sentence segment only (False).
        dropout: dropout probability of the head.
        spacy_model: the installed spaCy pipeline that parses the sentences for the syntax-distance columns
            (`SYNTAX_INPUTS`, used by the data processor); never downloaded.
        dlcf_a: base of DLCF-DCA's dynamic local-context threshold ``log_a(max distance) + a - 1``, a number > 1
            (used by the data processor).
        dca_p: DLCF-DCA's exponent of its dependency-cluster weights, ``min((2 w / (w_depend + w_depended))^p, 2)``.
        dca_layer: DLCF-DCA's number of dependency-cluster attention layers, an int >= 1.
        sigma: lca_bert's weight of the local-context prediction loss, in [0, 1]: the loss is
            (1 - sigma) x the sentiment cross-entropy + sigma x the local-context cross-entropy.
        ensemble_models: the member architectures of an ensemble (PyABSA's `APCEnsembler`), at least 2 of
            `APC_MODELS`, stored as a list; None (default) for a single model. With members, ``apc_model`` becomes
            `ENSEMBLE` (given as `ENSEMBLE` or left at its default) and every other setting applies to each member
            (``lsa`` to its `SPC_MODELS` members); see `APCEnsembleForSequenceClassification`.
        ensemble_mode: "cat" (the members' logits concatenated, then a linear layer) or "mean" (their mean).
        deep_ensemble: one backbone copy per member instead of one shared backbone.
        max_seq_len: maximum number of tokens per example (used by the data processor).
        backbone_name_or_path: where the backbone came from (informational).
        hf_absa_version: the hf_absa version that created the config.
        labels: convenience alternative to `id2label`/`label2id`: label names in class-index order.
    """

    model_type = "hf_absa_apc"
    attribute_map = {"SRD": "srd"}
    # lca_bert's output also holds its local-context loss, which is no prediction: Trainer leaves it out.
    keys_to_ignore_at_inference = ["local_context_loss"]

    def __init__(
        self,
        backbone_config: dict[str, Any] | PretrainedConfig | None = None,
        apc_model: str = SETTING_DEFAULTS["apc_model"],
        lcf: str = SETTING_DEFAULTS["lcf"],
        srd: int = SETTING_DEFAULTS["srd"],
        window: str = SETTING_DEFAULTS["window"],
        eta: float = SETTING_DEFAULTS["eta"],
        lsa: bool = SETTING_DEFAULTS["lsa"],
        use_bert_spc: bool = SETTING_DEFAULTS["use_bert_spc"],
        dropout: float = SETTING_DEFAULTS["dropout"],
        sigma: float = SETTING_DEFAULTS["sigma"],
        spacy_model: str = SETTING_DEFAULTS["spacy_model"],
        dlcf_a: float = SETTING_DEFAULTS["dlcf_a"],
        dca_p: float = SETTING_DEFAULTS["dca_p"],
        dca_layer: int = SETTING_DEFAULTS["dca_layer"],
        ensemble_models: list[str] | None = SETTING_DEFAULTS["ensemble_models"],
        ensemble_mode: str = SETTING_DEFAULTS["ensemble_mode"],
        deep_ensemble: bool = SETTING_DEFAULTS["deep_ensemble"],
        max_seq_len: int = SETTING_DEFAULTS["max_seq_len"],
        backbone_name_or_path: str | None = None,
        hf_absa_version: str = HF_ABSA_VERSION,
        labels: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if "SRD" in kwargs:  # PyABSA's spelling, and the key of checkpoints written by hf_absa 0.1.0
            srd = kwargs.pop("SRD")
        ensemble_models = ensemble_members(ensemble_models)
        apc_model = ensemble_architecture(canonical_architecture(apc_model), ensemble_models)
        _check_apc_model(apc_model, bool(lsa), ensemble_models, lcf)
        if ensemble_mode not in ENSEMBLE_MODES:
            raise ValueError(f"ensemble_mode={ensemble_mode!r} is not valid; expected one of {ENSEMBLE_MODES}.")
        if lcf not in LCF_MODES:
            raise ValueError(f"lcf={lcf!r} is not valid; expected one of {LCF_MODES}.")
        if apc_model == "lca_bert":
            # The CDM mask is lca_bert's local-context label (`lcf_kinds`), so the config records what it reads.
            lcf = "cdm"
        if window not in WINDOWS:
            raise ValueError(f"window={window!r} is not valid; expected one of {WINDOWS}.")
        check_length_settings(srd, max_seq_len)
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not (eta == -1 or eta >= 0):
            raise ValueError(f"eta must be -1 (unweighted aggregation) or a number >= 0, got {eta!r}.")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number with 0 <= dropout < 1, got {dropout!r}.")
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not 0 <= sigma <= 1:
            raise ValueError(f"sigma must be a number with 0 <= sigma <= 1, got {sigma!r}.")
        if not isinstance(spacy_model, str) or not spacy_model:
            raise ValueError(f"spacy_model must name a spaCy pipeline (e.g. 'en_core_web_sm'), got {spacy_model!r}.")
        if isinstance(dlcf_a, bool) or not isinstance(dlcf_a, (int, float)) or not dlcf_a > 1:
            raise ValueError(f"dlcf_a must be a number > 1 (the base of a logarithm), got {dlcf_a!r}.")
        if isinstance(dca_p, bool) or not isinstance(dca_p, (int, float)) or not dca_p > 0:
            raise ValueError(f"dca_p must be a number > 0, got {dca_p!r}.")
        if isinstance(dca_layer, bool) or not isinstance(dca_layer, int) or dca_layer < 1:
            raise ValueError(f"dca_layer must be an int >= 1, got {dca_layer!r}.")
        backbone_config = backbone_config_dict(backbone_config)
        if labels is not None:
            if kwargs.get("id2label") is not None:
                raise ValueError("Pass either labels=[...] or id2label={...}, not both.")
            kwargs["id2label"], kwargs["label2id"] = label_maps(labels)
        kwargs.setdefault("problem_type", "single_label_classification")
        if backbone_config is not None and kwargs.get("pad_token_id") is None:
            # The pad id is the backbone's; stating it here keeps Trainer from "aligning" it with a warning.
            kwargs["pad_token_id"] = backbone_config.get("pad_token_id")
        super().__init__(**kwargs)

        self.backbone_config = backbone_config
        self.apc_model = apc_model
        self.lcf = lcf
        self.srd = srd
        self.window = window
        self.eta = float(eta)
        self.lsa = bool(lsa)
        self.use_bert_spc = bool(use_bert_spc)
        self.dropout = float(dropout)
        self.sigma = float(sigma)
        self.spacy_model = spacy_model
        self.dlcf_a = float(dlcf_a)
        self.dca_p = float(dca_p)
        self.dca_layer = dca_layer
        self.ensemble_models = ensemble_models
        self.ensemble_mode = ensemble_mode
        self.deep_ensemble = bool(deep_ensemble)
        self.max_seq_len = max_seq_len
        self.backbone_name_or_path = backbone_name_or_path
        self.hf_absa_version = hf_absa_version

    def model_settings(self) -> dict[str, Any]:
        """The model hyper-parameters of `APC_MODEL_SETTINGS` with this config's values, in table order."""
        return {setting.name: getattr(self, setting.name) for setting in APC_MODEL_SETTINGS}

    def get_backbone_config(self) -> PretrainedConfig:
        """The backbone's config object, rebuilt from the stored dict (no network, no files)."""
        return rebuild_backbone_config(
            self.backbone_config,
            "This APCConfig has no backbone_config. Build models with "
            "APCModelForSequenceClassification.from_pretrained('<backbone id or path>', labels=[...]) "
            "or APCConfig(backbone_config=AutoConfig.from_pretrained(...).to_dict(), ...).",
        )

    @property
    def forward_inputs(self) -> tuple[str, ...]:
        """The extra forward arguments this configuration reads (a missing one is a ValueError in forward)."""
        return required_inputs(
            self.apc_model, self.lsa, lcf=self.lcf, window=self.window, use_bert_spc=self.use_bert_spc,
            ensemble_models=self.ensemble_models,
        )

    def processor_arguments(self) -> dict[str, Any]:
        """The keyword arguments of the data processor (`hf_absa.data.APCProcessor`) that computes this model's
        inputs: ``max_seq_len``, ``srd``, ``input_names`` (`forward_inputs`), ``parser`` (``spacy_model``) and
        ``dlcf_a``."""
        return {"max_seq_len": self.max_seq_len, "srd": self.srd, "input_names": self.forward_inputs,
                "parser": self.spacy_model, "dlcf_a": self.dlcf_a}

    def member_configs(self) -> list[APCConfig]:
        """One config per member of an ensemble (in `ensemble_models` order; empty for a single model): this
        config's settings, labels and backbone with the member's architecture, ``lsa`` only for `SPC_MODELS`."""
        fields = self.to_dict()
        for name in ("model_type", "transformers_version", "architectures", "auto_map", *ENSEMBLE_SETTINGS):
            fields.pop(name, None)
        return [
            type(self).from_dict({**fields, "apc_model": member, "lsa": self.lsa and member in SPC_MODELS})
            for member in self.ensemble_models or ()
        ]
