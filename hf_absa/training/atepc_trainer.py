"""Aspect term extraction + polarity (ATEPC) on `ABSATrainer`: `ATEPCTrainer` (its arguments,
`ATEPCTrainingArguments`, sit with the other tasks' in `hf_absa.training.training_args`).

The ATEPC task hooks of the task-neutral trainer (`hf_absa.training.trainer.ABSATrainer`): the collator
(`DataCollatorForATEPC`), both protocols' metrics (`ATEPCMetrics`: main exact-span figures ``ate_f1``,
``e2e_f1``, ``apc_accuracy``, ``apc_f1`` and PyABSA's lenient ``pyabsa_ate_f1``), the two label columns, the
model card (`ATEPCModelCardData`) and ``AutoModelForTokenClassification`` for export mode 2.

>>> ATEPCTrainingArguments(output_dir="runs/laptop14").metric_for_best_model
'e2e_f1'
>>> ATEPCTrainer.max_test_metric_names[0]
'pyabsa_ate_f1'
"""

from __future__ import annotations

import re

import torch
from datasets import Dataset

from ..data.atepc_collator import DataCollatorForATEPC
from ..data.processing import IGNORED_LABEL_ID
from ..metrics import ATEPCMetrics
from .atepc_model_card import ATEPCModelCardData
from .splits import hold_out_validation
from .trainer import ABSATrainer
from .training_args import ATEPC_LABEL_NAMES, ABSATrainingArguments, ATEPCTrainingArguments

__all__ = ["ATEPC_LABEL_NAMES", "ATEPCTrainer", "ATEPCTrainingArguments", "sentence_classes"]

# The tag head's parameters (`ATEPCModelForTokenClassification.classifier`, and `boundary_classifier`, the training-only
# classes of its special tokens, which PyABSA's single tag layer holds as two more rows), by name.
TAG_HEAD_PARAMETER_PATTERN = re.compile(r"^(classifier|boundary_classifier)\.")
# The polarity head's layers above the backbone (`ATEPCModelForTokenClassification`: the LCF heads' encoders and
# linears, `head_pooler`, `polarity_classifier`), by name: all freshly initialised, all at one rate.
POLARITY_HEAD_PARAMETER_PATTERN = re.compile(
    r"^(local_encoder|post_linear|fusion_linear|post_encoder|head_pooler|polarity_classifier)\."
)

# The sentence classes of `sentence_classes` that are not a polarity id.
NO_ASPECT_CLASS, MIXED_POLARITY_CLASS, UNLABELLED_CLASS = -1, -2, -3


def sentence_classes(dataset: Dataset) -> list[int]:
    """One class per featurised sentence, to stratify held-out and k-fold splits on: -1 when it has no aspect
    (aspect-free sentences keep their share), its aspects' polarity id when they all agree, -2 when they disagree,
    -3 when none has a polarity.

    Raises ValueError when ``dataset`` has no ``polarity_labels`` column (it is not `ATEPCProcessor` output).

    >>> sentence_classes(Dataset.from_dict({"polarity_labels": [[], [2, 2], [0, 2], [-100]]}))
    [-1, 2, -2, -3]
    """
    if "polarity_labels" not in dataset.column_names:
        raise ValueError(f"ATEPC splits are stratified on the 'polarity_labels' column (ATEPCProcessor output); the "
                         f"dataset has {dataset.column_names}")
    classes = []
    for polarities in dataset["polarity_labels"]:
        known = {polarity for polarity in polarities if polarity >= 0}
        if not polarities:
            classes.append(NO_ASPECT_CLASS)
        elif not known:
            classes.append(UNLABELLED_CLASS)
        else:
            classes.append(known.pop() if len(known) == 1 else MIXED_POLARITY_CLASS)
    return classes


class ATEPCTrainer(ABSATrainer):
    """`ABSATrainer` for `ATEPCModelForTokenClassification`.

    The ATEPC task hooks: `ATEPCTrainingArguments`, `DataCollatorForATEPC` (from ``processing_class``),
    `ATEPCMetrics` (from the model's ``id2label`` tags and ``polarity_labels``), `ATEPCModelCardData`, and
    ``AutoModelForTokenClassification`` in ``auto_map`` for export mode 2 (the stock ``token-classification``
    pipeline then tags aspects with the token head). With ``report_max_test`` the maxima over the periodic test
    evaluations are PyABSA's figures: ``max_test_pyabsa_ate_f1``, ``max_test_apc_accuracy``, ``max_test_apc_f1``
    (plus the main protocol's ``max_test_ate_f1`` and ``max_test_e2e_f1``).

    Each training loss is averaged over the labelled tokens and aspects of the whole optimizer step
    (`loss_item_counts`), as the stock Trainer does for language models with ``num_items_in_batch``: under DDP and
    with gradient accumulation the model then trains as on one batch of the same global size. (A per-batch mean
    would weigh a token by how many labelled tokens its process's batch happens to hold.) Evaluation losses stay
    per-batch means.

    Example (``model``, ``tokenizer`` and the datasets ``train`` and ``valid``, featurised by `ATEPCProcessor`,
    are not built here, so the example is skipped):

    >>> trainer = ATEPCTrainer(model=model, args=ATEPCTrainingArguments("runs/demo"),
    ...                        train_dataset=train, eval_dataset=valid,
    ...                        processing_class=tokenizer)  # doctest: +SKIP
    >>> trainer.train()  # doctest: +SKIP
    """

    training_arguments_class = ATEPCTrainingArguments
    model_card_data_class = ATEPCModelCardData
    auto_model_class = "AutoModelForTokenClassification"
    max_test_metric_names = ("pyabsa_ate_f1", "apc_accuracy", "apc_f1", "ate_f1", "e2e_f1")
    # compute_loss returns each batch's share of the step's loss, already divided over the accumulated batches.
    loss_is_scaled_for_ga = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.args.label_names is None:
            # Plain TrainingArguments upgraded with label_names=None: the metrics need both label columns.
            self.label_names = list(ATEPC_LABEL_NAMES)

    def build_data_collator(self, processing_class):
        return DataCollatorForATEPC(processing_class)

    def learning_rate_mapping(self, args: ATEPCTrainingArguments) -> dict[str, float]:
        """The tag head (``classifier``, ``boundary_classifier``) at ``args.tag_head_learning_rate`` and the polarity
        head's layers above the backbone (`POLARITY_HEAD_PARAMETER_PATTERN`) at ``args.polarity_head_learning_rate``;
        a rate of 0 gives its layers no group of their own (``learning_rate``)."""
        rates = {TAG_HEAD_PARAMETER_PATTERN.pattern: args.tag_head_learning_rate,
                 POLARITY_HEAD_PARAMETER_PATTERN.pattern: args.polarity_head_learning_rate}
        return {pattern: rate for pattern, rate in rates.items() if rate}

    def build_compute_metrics(self, model):
        return ATEPCMetrics(model.config.id2label, model.config.polarity_labels)

    def hold_out(self, train_dataset: Dataset, args: ABSATrainingArguments) -> tuple[Dataset, Dataset]:
        """(train, validation): a ``args.validation_fraction`` of the sentences, stratified on `sentence_classes`."""
        return hold_out_validation(train_dataset, args.validation_fraction, seed=args.seed,
                                   labels=sentence_classes(train_dataset))

    # ---- one loss per optimizer step ------------------------------------------------------------

    def get_batch_samples(self, epoch_iterator, num_batches: int, device: torch.device):
        """The step's batches and, in place of the stock labelled-token count, `loss_item_counts` of them all."""
        batch_samples, num_items_in_batch = super().get_batch_samples(epoch_iterator, num_batches, device)
        if self.compute_loss_func is not None:  # a user's loss gets the stock count
            return batch_samples, num_items_in_batch
        return batch_samples, self.loss_item_counts(batch_samples, device)

    def loss_item_counts(self, batches: list[dict[str, torch.Tensor]], device: torch.device) -> torch.Tensor:
        """(2,) int64 on ``device``: the labelled tokens (``labels``, plus the special tokens that
        ``config.boundary_loss`` classifies: `ATEPCModelForTokenClassification.boundary_targets`) and labelled aspects
        (``polarity_labels``) in ``batches``, summed over the processes when ``args.average_tokens_across_devices``
        (the default)."""
        counts = torch.zeros(2, dtype=torch.long, device=device)
        model = self.accelerator.unwrap_model(self.model, keep_torch_compile=False)
        boundary_loss = getattr(model.config, "boundary_loss", False)
        for batch in batches:
            for index, name in enumerate(ATEPC_LABEL_NAMES):
                if name not in batch:
                    continue
                targets = batch[name]
                if name == "labels" and boundary_loss:
                    # the model's own default when a batch has no attention mask: every token attended
                    targets = model.boundary_targets(targets, batch.get("attention_mask", torch.ones_like(targets)))
                counts[index] += targets.ne(IGNORED_LABEL_ID).sum().to(device)
        if self.args.average_tokens_across_devices and self.args.world_size > 1:
            counts = self.accelerator.reduce(counts, reduction="sum")
        return counts

    def compute_loss(self, model, inputs, return_outputs: bool = False, num_items_in_batch=None):
        """The model's loss; in training (``num_items_in_batch`` = `loss_item_counts`) the batch's share of the
        step's loss, times the number of processes when the counts are summed over them (DDP averages the
        gradients of the processes)."""
        if num_items_in_batch is None or self.compute_loss_func is not None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        loss, outputs = super().compute_loss(model, {**inputs, "loss_item_counts": num_items_in_batch},
                                             return_outputs=True)
        if self.args.average_tokens_across_devices and self.args.world_size > 1:
            loss = loss * self.accelerator.num_processes
        return (loss, outputs) if return_outputs else loss
