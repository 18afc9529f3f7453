"""Model cards: `APCModelCardData` (what the card says) rendered with the packaged ``templates/model_card.md``.

The data comes from the model config, the training arguments and the metrics —
of a live `APCTrainer` (`APCModelCardData.from_trainer`) or of a saved folder
(`APCModelCardData.from_folder`: ``config.json``, ``training_args.json``,
``all_results.json``). Nothing here touches the network.

>>> card = APCModelCardData(model_id="me/laptop14-bert-spc", apc_model="bert_spc",
...                         labels=["Negative", "Neutral", "Positive"], dataset="laptop14",
...                         metrics={"test_accuracy": 0.8, "test_f1": 0.75})
>>> text = card.render()
>>> "library_name: hf_absa" in text and 'SentimentClassifier.from_pretrained("me/laptop14-bert-spc")' in text
True
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData, metadata_load
from huggingface_hub.utils import HFValidationError, validate_repo_id

from ..metrics import metric_label_key
from ..models.configuration_apc import APC_MODEL_SETTINGS, HF_ABSA_VERSION, SPC_MODELS
from .export import BACKBONE_EXPORT_DIR, TRAINING_ARGS_JSON, staged_files
from .training_args import SAVE_MODES, APCTrainingArguments

MODEL_CARD_NAME = "README.md"
MODEL_CARD_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "model_card.md"
CARD_TAGS = ("absa", "aspect-based-sentiment-analysis", "hf_absa")
METRICS_FILE = "all_results.json"
# The architecture's PyABSA name, for readers coming from PyABSA.
PYABSA_NAMES = {
    "bert_spc": "BERT_SPC",
    "bert_spc_v2": "BERT_SPC_V2",
    "lcf_bert": "LCF_BERT",
    "fast_lcf_bert": "FAST_LCF_BERT",
    "fast_lsa_t_v2": "FAST_LSA_T_V2",
}
# Training arguments that change the trained model; the card lists those that differ from the
# APCTrainingArguments defaults, plus ALWAYS_SHOWN_HYPERPARAMETERS.
TRAINING_HYPERPARAMETERS = (
    "learning_rate",
    "eta_lr",
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
    "patience",
    "evaluate_begin",
    "validation_fraction",
    "seed",
)
ALWAYS_SHOWN_HYPERPARAMETERS = ("learning_rate", "per_device_train_batch_size", "num_train_epochs", "seed")
SPLITS = {"eval": "validation", "test": "test"}


def model_hyperparameters(config: dict[str, Any]) -> dict[str, Any]:
    """The model settings (`APC_MODEL_SETTINGS`) a ``config.json`` records, under their current names.

    A folder written by an older hf_absa may use an alias (``SRD``); its value is shown under the current name.
    """
    shown = {}
    for setting in APC_MODEL_SETTINGS:
        for key in (setting.name, *setting.aliases):
            if key in config:
                shown[setting.name] = config[key]
                break
    return shown



def hub_id_or_none(name: str | os.PathLike | None) -> str | None:
    """``name`` when it reads as a Hub repo id rather than a local path (``"bert-base-uncased"``, ``"org/model"``)."""
    if not name:
        return None
    name = str(name)
    if os.path.isabs(name) or name.startswith((".", "~")) or os.path.exists(name):
        return None
    try:
        validate_repo_id(name)
    except HFValidationError:
        return None
    return name


def public_name(name: str | os.PathLike | None) -> str | None:
    """``name``, or only the last part of it when it is a local path (a card is public; the machine's paths are not)."""
    if name is None:
        return None
    name = str(name)
    return Path(name).name if os.path.isabs(name) or os.path.exists(name) else name


def argument_defaults() -> dict[str, Any]:
    """`APCTrainingArguments` field defaults, as ``to_dict()`` writes them (enums as their values)."""
    defaults = {}
    for item in dataclasses.fields(APCTrainingArguments):
        if item.default is not dataclasses.MISSING:
            defaults[item.name] = getattr(item.default, "value", item.default)
        elif item.default_factory is not dataclasses.MISSING:
            defaults[item.name] = item.default_factory()
    return defaults


def training_hyperparameters(training_args: dict[str, Any]) -> dict[str, Any]:
    """The hyper-parameters a card lists: non-default `TRAINING_HYPERPARAMETERS` plus the always-shown ones."""
    defaults = argument_defaults()
    shown = {}
    for name in TRAINING_HYPERPARAMETERS:
        if name not in training_args:
            continue
        value = training_args[name]
        if name in ALWAYS_SHOWN_HYPERPARAMETERS or value != defaults.get(name, value):
            shown[name] = value
    return shown


def split_metrics(metrics: dict[str, Any], labels: list[str]) -> dict[str, dict[str, float]]:
    """``{"accuracy": {"validation": 0.8, "test": 0.79}, "f1": {...}, "f1_Positive": {...}}`` from flat metrics."""
    names = ["accuracy", "f1"] + [f"f1_{metric_label_key(label)}" for label in labels]
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


def previous_card_fields(path: Path) -> dict[str, Any]:
    """What an earlier hf_absa card at ``path`` recorded beyond the folder's files (dataset, language, license,
    extra tags, base model), so that rendering it again (e.g. for a Hub repo id) loses nothing."""
    metadata = metadata_load(path) if path.is_file() else None
    if not metadata or metadata.get("library_name") != "hf_absa":
        return {}
    fields = {name: metadata.get(name) for name in ("language", "license", "base_model")}
    datasets = metadata.get("datasets") or []
    results = (metadata.get("model-index") or [{}])[0].get("results") or [{}]
    fields["dataset"] = datasets[0] if datasets else results[0].get("dataset", {}).get("type")
    fields["tags"] = [tag for tag in metadata.get("tags") or [] if tag not in CARD_TAGS and tag not in PYABSA_NAMES]
    return {name: value for name, value in fields.items() if value}


def latest_logged_metrics(log_history: list[dict]) -> dict[str, float]:
    """The last ``eval_*`` and the last ``test_*`` evaluation in a Trainer's ``log_history``."""
    metrics = {}
    for prefix in SPLITS:
        entry = next((log for log in reversed(log_history) if f"{prefix}_accuracy" in log), {})
        metrics.update({key: value for key, value in entry.items() if key.startswith(f"{prefix}_")})
    return metrics


@dataclass
class APCModelCardData:
    """What the model card of an hf_absa APC model says.

    ``model_id`` is how the usage snippets load the model (a Hub repo id, or the local folder);
    ``metrics`` holds flat ``eval_*`` / ``test_*`` values as in ``all_results.json``.
    """

    model_id: str
    apc_model: str
    labels: list[str]
    save_mode: int = 1
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
    # The version that wrote the checkpoint (its config's), not the installed one: a card re-rendered later by
    # `hf-absa push` must not claim a newer version.
    hf_absa_version: str = HF_ABSA_VERSION

    @classmethod
    def from_parts(
        cls, config: dict, training_args: dict, metrics: dict, model_id: str, **fields: Any
    ) -> APCModelCardData:
        """Build from a config dict (``config.json``), training-argument dict and flat metrics."""
        id2label = {int(index): label for index, label in config["id2label"].items()}
        values = dict(
            model_id=model_id,
            apc_model=config["apc_model"],
            labels=[id2label[index] for index in sorted(id2label)],
            save_mode=int(training_args.get("save_mode", 1)),
            backbone=config.get("backbone_name_or_path"),
            model_hyperparameters=model_hyperparameters(config),
            hf_absa_version=config.get("hf_absa_version") or HF_ABSA_VERSION,
            training_hyperparameters=training_hyperparameters(training_args),
            metrics={key: value for key, value in metrics.items() if key.startswith(tuple(f"{p}_" for p in SPLITS))},
        )
        values.update({name: value for name, value in fields.items() if value is not None})
        return cls(**values)

    @classmethod
    def from_trainer(cls, trainer, model=None, model_id: str | None = None, **fields: Any) -> APCModelCardData:
        """From a live `APCTrainer`: its model config, arguments, dataset name and logged evaluations."""
        model = model if model is not None else trainer.model
        if fields.get("dataset") is None:
            fields["dataset"] = getattr(trainer, "dataset_name", None)
        return cls.from_parts(
            model.config.to_dict(),
            trainer.args.to_dict(),
            latest_logged_metrics(trainer.state.log_history),
            model_id=model_id or trainer.args.output_dir,
            **fields,
        )

    @classmethod
    def from_folder(cls, folder: str | os.PathLike, model_id: str | None = None, **fields: Any) -> APCModelCardData:
        """From a saved folder: ``config.json``, and ``training_args.json`` / ``all_results.json`` when present."""
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} is not a folder; expected a model folder written by hf-absa train")

        def read(name: str) -> dict:
            path = folder / name
            return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

        config = read("config.json")
        if "apc_model" not in config:
            raise ValueError(f"{folder} holds no hf_absa model (config.json without apc_model)")
        fields = {**previous_card_fields(folder / MODEL_CARD_NAME), **fields}
        return cls.from_parts(config, read(TRAINING_ARGS_JSON), read(METRICS_FILE), model_id or str(folder), **fields)

    # ---- rendering --------------------------------------------------------------------------

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
        return self.dataset_key

    @property
    def metrics_table(self) -> dict[str, dict[str, float]]:
        return split_metrics(self.metrics, self.labels)

    @property
    def pair_pipeline_works(self) -> bool:
        """bert_spc(_v2) without lsa reads only the tokenizer's (sentence, aspect) pair encoding."""
        return self.apc_model in SPC_MODELS and not self.model_hyperparameters.get("lsa", False)

    @property
    def tested(self) -> bool:
        """Whether a test split was evaluated (data without one gives validation figures only)."""
        return any(key.startswith("test_") and isinstance(value, (int, float)) for key, value in self.metrics.items())

    def card_data(self) -> ModelCardData:
        """The YAML metadata: library, task, tags, base model, datasets and the test metrics as model-index."""
        dataset_id = self.dataset if self.dataset and "/" in self.dataset and hub_id_or_none(self.dataset) else None
        eval_results = [
            EvalResult(
                task_type="text-classification",
                task_name="Aspect Polarity Classification",
                dataset_type=dataset_id or self.dataset_key or "unknown",
                dataset_name=self.dataset_display_name or "unknown",
                dataset_split="test",
                metric_type=name,
                metric_name=name if name != "f1" else "macro F1",
                metric_value=self.metrics[f"test_{name}"],
            )
            for name in ("accuracy", "f1")
            if f"test_{name}" in self.metrics
        ]
        return ModelCardData(
            library_name="hf_absa",
            pipeline_tag="text-classification",
            tags=[*CARD_TAGS, self.apc_model, *self.tags],
            base_model=self.base_model or hub_id_or_none(self.backbone),
            datasets=[dataset_id] if dataset_id else None,
            language=self.language,
            license=self.license,
            metrics=["accuracy", "f1"],
            model_name=self.model_name or self.model_id.rstrip("/").split("/")[-1],
            eval_results=eval_results or None,
        )

    def render(self) -> str:
        """The card's Markdown, YAML front matter included."""
        card_data = self.card_data()
        card = ModelCard.from_template(
            card_data,
            title=card_data.model_name,
            template_path=str(MODEL_CARD_TEMPLATE),
            card=self,
            pyabsa_name=PYABSA_NAMES.get(self.apc_model, self.apc_model),
            save_mode_description=SAVE_MODES.get(self.save_mode, ""),
            backbone_export_dir=BACKBONE_EXPORT_DIR,
            hf_absa_version=self.hf_absa_version,
        )
        return str(card)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the rendered card to ``path``, staged so that a crash never leaves half a card."""
        path = Path(path)
        text = self.render()
        with staged_files(path.parent) as staging:
            (staging / path.name).write_text(text, encoding="utf-8")
        return path
