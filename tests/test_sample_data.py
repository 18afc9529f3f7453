"""The bundled sample data (hf_absa/sample_data): what examples/make_sample_data.py writes, and the properties
the demo relies on (size, label balance, disjoint splits, showcase sentences kept out of training)."""

import importlib.util
import re
import sys
from collections import Counter

import pytest

from conftest import REPO_ROOT
from hf_absa.data.loading import load_apc_dataset
from hf_absa.data.readers import iter_apc_file, parse_marked_text, read_apc_file, read_inference_file
from hf_absa.commands.demo import DEMO_SENTENCES
from hf_absa.data.registry import sample_data_dir

SCRIPT = REPO_ROOT / "examples" / "make_sample_data.py"


@pytest.fixture(scope="module")
def generator_script():
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture(scope="module")
def sentences_by_split():
    """split -> list of (sentence, [(aspect, label), ...]), one entry per sentence."""
    return {
        split: [[(e["sentence"], e["aspect"], e["label"]) for e in group]
                for group in iter_apc_file(sample_data_dir() / f"sample.{split}.apc.txt")]
        for split in ("train", "valid", "test")
    }


def test_files_are_exactly_what_the_generator_writes(generator_script, capsys):
    # Hand edits to the data, or script changes without regenerating, make --check fail.
    assert generator_script.main(["--check"]) == 0, capsys.readouterr().err


def test_showcase_sentences_of_the_generator_are_the_demo_sentences(generator_script):
    assert generator_script.SHOWCASE == DEMO_SENTENCES


def test_size_label_balance_and_multi_aspect_share(sentences_by_split):
    dataset = load_apc_dataset(str(sample_data_dir()))
    assert dataset["train"].num_rows + dataset["validation"].num_rows + dataset["test"].num_rows >= 1500
    assert dataset["test"].num_rows >= 300
    labels = Counter(label for split in dataset.values() for label in split["label"])
    total = sum(labels.values())
    assert labels["Positive"] > labels["Negative"] > labels["Neutral"] >= 0.15 * total
    sentences = [group for groups in sentences_by_split.values() for group in groups]
    assert sum(len(group) > 1 for group in sentences) >= 0.35 * len(sentences)


def test_no_sentence_is_in_two_splits(sentences_by_split):
    texts = {split: {group[0][0] for group in groups} for split, groups in sentences_by_split.items()}
    assert not texts["train"] & texts["valid"]
    assert not texts["train"] & texts["test"]
    assert not texts["valid"] & texts["test"]


def words(text):
    return set(re.findall(r"[a-z0-9'-]+", text.lower())) - {"the", "a", "is", "are", "was", "were", "and", "but"}


@pytest.mark.parametrize("marked", DEMO_SENTENCES)
def test_showcase_sentence_has_no_near_copy_in_train(marked, sentences_by_split):
    examples = parse_marked_text(marked)
    aspects = [example["aspect"].lower() for example in examples]
    sentence = examples[0]["sentence"]
    # The aspect with the words that follow it up to the next comma or full stop, e.g. "keyboard feels cheap".
    clauses = [re.split(r"[,.]", sentence[example["aspect_start"]:])[0].lower() for example in examples]
    for group in sentences_by_split["train"]:
        text = " ".join(group[0][0].lower().replace(" ,", ",").replace(" .", ".").split())
        assert not all(aspect in text for aspect in aspects), text
        assert not any(clause in text for clause in clauses), text
        overlap = words(text) & words(sentence)
        assert len(overlap) < 0.5 * len(words(text) | words(sentence)), text


def test_inference_file_holds_the_test_split():
    from_apc = read_apc_file(sample_data_dir() / "sample.test.apc.txt")
    from_inference = read_inference_file(sample_data_dir() / "sample.test.inference")
    assert from_inference == from_apc
