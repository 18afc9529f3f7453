"""Small synthetic APC data and model builders shared by the training tests."""

from __future__ import annotations

import random

POSITIVE = ["good", "great", "excellent", "nice", "delicious"]
NEGATIVE = ["bad", "terrible", "awful", "poor", "slow"]
ASPECTS = ["battery", "screen", "keyboard", "food", "service", "price", "staff", "display"]


def synthetic_rows(n: int, seed: int = 0) -> list[dict]:
    """Rows whose label follows from one opinion word, some with two aspects of opposite polarity."""
    rng = random.Random(seed)
    rows = []
    while len(rows) < n:
        first, second = rng.sample(ASPECTS, 2)
        if rng.random() < 0.4:
            good, bad = rng.choice(POSITIVE), rng.choice(NEGATIVE)
            sentence = f"the {first} is {good} but the {second} is {bad}"
            rows.append({"sentence": sentence, "aspect": first, "label": "Positive"})
            rows.append({"sentence": sentence, "aspect": second, "label": "Negative"})
        else:
            label = rng.choice(["Positive", "Negative", "Neutral"])
            word = {"Positive": rng.choice(POSITIVE), "Negative": rng.choice(NEGATIVE), "Neutral": "the"}[label]
            sentence = f"i like the {first} and it is {word}" if label != "Neutral" else f"this {first} is a {first}"
            rows.append({"sentence": sentence, "aspect": first, "label": label})
    return rows[:n]


def write_apc_file(path, rows) -> None:
    """Write rows in PyABSA's 3-line $T$ format."""
    lines = []
    for row in rows:
        lines += [row["sentence"].replace(row["aspect"], "$T$", 1), row["aspect"], row["label"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_features(tokenizer, rows, apc_model: str, labels, max_seq_len: int = 40, lsa: bool = False):
    """Featurise in-memory rows for ``apc_model``; returns the processed DatasetDict."""
    from hf_absa.data.loading import load_apc_dataset
    from hf_absa.data.processing import APCProcessor
    from hf_absa.models import required_inputs

    raw = load_apc_dataset(rows)
    processor = APCProcessor(
        tokenizer,
        max_seq_len=max_seq_len,
        srd=3,
        input_names=required_inputs(apc_model, lsa),
        label2id={label: i for i, label in enumerate(labels)},
    )
    return processor.apply(raw)


def build_model(backbone_dir, apc_model: str = "fast_lsa_t_v2", labels=("Negative", "Neutral", "Positive"), **kwargs):
    from hf_absa.models import APCModelForSequenceClassification

    return APCModelForSequenceClassification.from_pretrained(
        str(backbone_dir), labels=list(labels), apc_model=apc_model, **kwargs
    )


def randomized(model):
    """The model with every weight redrawn, so that its probabilities are far from uniform (a wrong input shows)."""
    import torch

    torch.manual_seed(1)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.5)
    return model.eval()


def probabilities_on_processor_features(model, tokenizer, rows):
    """The model run directly on APCProcessor features of ``rows`` (the training path), as softmax rows."""
    import torch

    from hf_absa.data.collator import DataCollatorForAPC
    from hf_absa.data.loading import load_apc_dataset
    from hf_absa.data.processing import APCProcessor
    from hf_absa.models import required_inputs

    config = model.config
    processor = APCProcessor(tokenizer, max_seq_len=config.max_seq_len, srd=config.srd,
                             input_names=required_inputs(config.apc_model, config.lsa,
                                                         ensemble_models=config.ensemble_models))
    features = processor.apply(load_apc_dataset(rows))["train"]
    batch = DataCollatorForAPC(tokenizer)(list(features))
    with torch.no_grad():
        return torch.softmax(model(**batch).logits, dim=-1)


def write_apc_dataset_folder(folder, n_train: int = 48, n_valid: int = 16, n_test: int = 16, seed: int = 0):
    """A data folder with ``tiny.{train,valid,test}.apc.txt`` 3-line files, for ``hf-absa train --dataset``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = synthetic_rows(n_train + n_valid + n_test, seed=seed)
    splits = {"train": rows[:n_train], "valid": rows[n_train : n_train + n_valid], "test": rows[n_train + n_valid :]}
    for split, split_rows in splits.items():
        write_apc_file(folder / f"tiny.{split}.apc.txt", split_rows)
    return folder
