"""SentimentClassifier: every input form, spans, plain-JSON results, errors, long texts, precision options."""

import json
import os
import random
import re
import shutil

import numpy as np
import pytest
import torch
from datasets import Dataset

from apc_fixtures import build_model
from hf_absa import SentimentClassifier, load_apc_dataset
from hf_absa.cli import main
from hf_absa.data import parse_marked_text
from hf_absa.inference import AspectPrediction, SentencePrediction, missing_checkpoint_files
from hf_absa.inference.precision import check_precision
from hf_absa.onednn import CAPACITY_VARIABLE, DEFAULT_CAPACITY
from hf_absa.training import export_checkpoint

LABELS = {"Negative", "Neutral", "Positive"}


@pytest.fixture(scope="module")
def classifier(tiny_apc_checkpoint):
    return SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu")


def aspect_spans(result):
    return [(aspect["aspect"], aspect["start"], aspect["end"]) for aspect in result["aspects"]]


def assert_plain_json(value):
    """Only str/int/float/bool/None/list/dict (no numpy scalars), and it round-trips through JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    else:
        assert type(value) in (str, int, float, bool, type(None)), (type(value), value)
    assert json.loads(json.dumps(value)) == value


# ------------------------------------------------------------------ input forms


def test_one_result_per_marked_aspect(classifier):
    result = classifier.predict("the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is dim")
    assert result["sentence"] == "the battery is good but the screen is dim"
    assert aspect_spans(result) == [("battery", 4, 11), ("screen", 28, 34)]
    for aspect in result["aspects"]:
        assert set(aspect["probabilities"]) == LABELS
        assert sum(aspect["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert aspect["label"] == max(aspect["probabilities"], key=aspect["probabilities"].get)
        assert aspect["score"] == aspect["probabilities"][aspect["label"]]
        assert "reference" not in aspect
    assert_plain_json(result)


def test_batch_matches_single_predictions_and_reports_references(classifier):
    texts = ["the [B-ASP]food[E-ASP] is delicious $LABEL$ Positive", "the [B-ASP]price[E-ASP] is bad"]
    batch = classifier.predict(texts)
    assert len(batch) == 2
    single = classifier.predict(texts[0])
    assert batch[0]["aspects"][0]["probabilities"] == pytest.approx(single["aspects"][0]["probabilities"], abs=1e-5)
    assert batch[0]["aspects"][0]["reference"] == "Positive"
    assert batch[0]["aspects"][0]["correct"] == (batch[0]["aspects"][0]["label"] == "Positive")
    assert "reference" not in batch[1]["aspects"][0]
    assert_plain_json(batch)


def test_sentence_with_aspect_strings_gives_every_occurrence_in_sentence_order(classifier):
    sentence = "The screen is bright, the battery is bad and the screen is big"
    result = classifier.predict(sentence, aspects=["screen", "battery"])
    assert result["sentence"] == sentence
    assert aspect_spans(result) == [("screen", 4, 10), ("battery", 26, 33), ("screen", 49, 55)]
    marked = classifier.predict("The [B-ASP]screen[E-ASP] is bright, the [B-ASP]battery[E-ASP] is bad and the "
                                "[B-ASP]screen[E-ASP] is big")
    # The same aspects as neighbours of each other: the same inputs as the marked form, so the same prediction.
    for given, expected in zip(result["aspects"], marked["aspects"]):
        assert given["probabilities"] == pytest.approx(expected["probabilities"], abs=1e-6)


def test_aspect_at_a_character_offset_picks_that_occurrence(classifier):
    sentence = "The screen is bright but the screen frame is cheap"
    result = classifier.predict(sentence, aspects=[("screen", 29)])
    assert aspect_spans(result) == [("screen", 29, 35)]


def test_aspect_matching_prefers_whole_words_then_ignores_case(classifier):
    assert aspect_spans(classifier.predict("the art is smart", aspects=["art"])) == [("art", 4, 7)]
    assert aspect_spans(classifier.predict("The Battery dies", aspects=["battery"])) == [("Battery", 4, 11)]
    # unsegmented text: the only occurrences are inside "words"
    assert aspect_spans(classifier.predict("这个电池很好", aspects=["电池"])) == [("电池", 2, 4)]


def test_same_aspect_given_twice_is_classified_once(classifier):
    result = classifier.predict("the food is good", aspects=["food", ("food", 4)])
    assert aspect_spans(result) == [("food", 4, 8)]


def test_list_of_sentences_with_aspect_lists(classifier):
    results = classifier.predict(["the food is good", "the staff is rude and slow"], aspects=[["food"], "staff"])
    assert [aspect_spans(result) for result in results] == [[("food", 4, 8)], [("staff", 4, 9)]]


def test_dataset_gets_prediction_columns(classifier):
    rows = {"sentence": ["the food is good but the wine is bad", "the food is good but the wine is bad",
                         "nice staff"],
            "aspect": ["food", "wine", "staff"], "label": ["Positive", "Negative", None]}
    dataset = Dataset.from_dict(rows)
    predicted = classifier.predict(dataset)
    assert predicted.column_names == ["sentence", "aspect", "label", "pred_label", "pred_score",
                                      "pred_probabilities"]
    assert dataset.column_names == ["sentence", "aspect", "label"]  # a new dataset; the input is untouched
    marked = classifier.predict(["the [B-ASP]food[E-ASP] is good but the [B-ASP]wine[E-ASP] is bad",
                                 "nice [B-ASP]staff[E-ASP]"])
    expected = [aspect for result in marked for aspect in result["aspects"]]
    assert predicted["pred_label"] == [aspect["label"] for aspect in expected]
    for row, aspect in zip(predicted, expected):
        assert row["pred_score"] == pytest.approx(aspect["score"], abs=1e-6)
        assert row["pred_probabilities"] == pytest.approx(aspect["probabilities"], abs=1e-6)


def test_dataset_in_the_canonical_schema_keeps_its_neighbours_after_shuffle(classifier):
    rows = [{"sentence": "the food is good but the wine is bad", "aspect": "food", "label": "Positive"},
            {"sentence": "the food is good but the wine is bad", "aspect": "wine", "label": "Negative"},
            {"sentence": "nice staff", "aspect": "staff", "label": "Positive"}]
    dataset = load_apc_dataset(rows)["train"]
    in_order = classifier.predict(dataset)
    shuffled = classifier.predict(dataset.select([2, 1, 0]))
    assert shuffled["pred_probabilities"][::-1] == in_order["pred_probabilities"]


def test_dataset_with_aspect_start_and_no_label(classifier):
    dataset = Dataset.from_dict({"sentence": ["the screen and the screen"], "aspect": ["screen"],
                                 "aspect_start": [19]})
    assert classifier.predict(dataset)["pred_label"][0] in LABELS


def test_dataset_refuses_to_overwrite_prediction_columns(classifier):
    dataset = Dataset.from_dict({"sentence": ["the food"], "aspect": ["food"], "pred_label": ["x"]})
    with pytest.raises(ValueError, match="already has the column.*pred_label"):
        classifier.predict(dataset)


def test_empty_list_gives_no_results(classifier):
    assert classifier.predict([]) == []


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("the battery is good", ["no aspect is marked", "[B-ASP]aspect[E-ASP]"]),
        ("the [B-ASP]battery is good", ["never closed", "column 5"]),
        ("the [B-ASP]bat[B-ASP]tery[E-ASP] is good", ["nested aspect markers"]),
        ("the [B-ASP] [E-ASP] battery", ["is empty"]),
        ("the battery[E-ASP] is good", ["closes no aspect"]),
        ("", ["the text is empty"]),
        (" \t $LABEL$ Positive", ["the text is blank (only whitespace)"]),
    ],
)
def test_marker_errors(classifier, text, fragments):
    with pytest.raises(ValueError) as error_info:
        classifier.predict(text)
    for fragment in fragments:
        assert fragment in str(error_info.value)


def test_error_in_a_list_names_the_text(classifier):
    with pytest.raises(ValueError, match=r"^texts\[1\]: no aspect is marked"):
        classifier.predict(["the [B-ASP]food[E-ASP] is good", "no marker"])
    # Every input must mark an aspect, so an empty text is an error in a list too (unlike extraction).
    with pytest.raises(ValueError, match=r"^texts\[1\]: the text is empty"):
        classifier.predict(["the [B-ASP]food[E-ASP] is good", ""])


@pytest.mark.parametrize(
    "sentence, aspects, pattern",
    [
        ("the food is good", ["pizza"], r"aspect 0 'pizza' does not occur in the sentence"),
        ("the food is good", ["  "], r"aspect 0 is empty"),
        ("the food is good", [("food", 12)], r"sentence\[12:16\] is 'good', not the aspect 'food'.*occurs at 4"),
        ("the food is good", [("food", 99)], r"start 99 of 'food' is not a character offset"),
        ("the food is good", [("food", "4")], r"start '4' of 'food' is not a character offset"),
        ("the food is good", [("food", 4, 8)], r"aspect 0 is .*expected an aspect string"),
        ("the food is good", [], r"no aspects given"),
        ("the [B-ASP]food[E-ASP] is good", ["food"], r"contains the aspect marker '\[B-ASP\]'"),
        ("  ", ["food"], r"the sentence is empty"),
    ],
)
def test_aspect_list_errors(classifier, sentence, aspects, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        classifier.predict(sentence, aspects=aspects)


def test_aspect_lists_must_match_the_texts(classifier):
    with pytest.raises(ValueError, match="one entry .* per text, 2 in all"):
        classifier.predict(["the food", "the wine"], aspects=[["food"]])
    with pytest.raises(ValueError, match=r"^texts\[1\]: aspect 0 'food' does not occur"):
        classifier.predict(["the food", "the wine"], aspects=["food", "food"])
    with pytest.raises(TypeError, match=r"texts\[0\] is the int 3; expected a sentence with its aspects marked"):
        classifier.predict([3])


def test_bad_options():
    with pytest.raises(ValueError, match="precision='fp16' is not supported; expected one of auto, fp32, bf16, int8"):
        check_precision("fp16", torch.device("cpu"))
    with pytest.raises(ValueError, match="int8.*CPU only"):
        check_precision("int8", torch.device("cuda"))


def test_bad_constructor_arguments(tiny_apc_checkpoint):
    with pytest.raises(ValueError, match="device='gpu7' is not a torch device"):
        SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="gpu7")
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu", batch_size=0)


def test_from_pretrained_errors(tiny_backbone_dir, tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        SentimentClassifier.from_pretrained(tmp_path / "missing")
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)  # "runs/typo" next to a folder runs: a mistyped path, not a Hub id (no Hub call)
    with pytest.raises(FileNotFoundError, match="runs/typo is not a folder"):
        SentimentClassifier.from_pretrained("runs/typo")
    with pytest.raises(FileNotFoundError, match="lacks config.json; the weights"):
        SentimentClassifier.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"holds a 'bert' model \(BertModel\), neither an hf_absa APC checkpoint"):
        SentimentClassifier.from_pretrained(tiny_backbone_dir)


def copy_without(checkpoint, destination, *names):
    shutil.copytree(checkpoint, destination)
    for name in names:
        (destination / name).unlink()
    return destination


@pytest.mark.parametrize(
    "removed, added, lacks",
    [
        (["config.json"], {}, "lacks config.json;"),
        (["model.safetensors"], {}, r"lacks the weights \(model.safetensors\);"),
        (["model.safetensors"], {"pytorch_model.bin": b"pickle"}, r"lacks the weights \(model.safetensors; "
                                                                  r"pytorch_model.bin is a pickle"),
        (["model.safetensors"], {"model.safetensors.index.json": b'{"weight_map": {"a": "model-00001.safetensors"}}'},
         r"lacks the shard\(s\) model-00001.safetensors named in model.safetensors.index.json;"),
        (["model.safetensors"], {"model.safetensors.index.json": b"not json"},
         "lacks a readable model.safetensors.index.json"),
        (["tokenizer.json", "tokenizer_config.json"], {}, r"lacks the tokenizer files \(tokenizer_config.json with "
                                                          r"tokenizer.json or vocab files\);"),
        (["tokenizer.json"], {}, r"lacks the tokenizer's vocabulary \(tokenizer.json, or vocab files"),
        (["tokenizer_config.json"], {}, r"lacks tokenizer_config.json \(the tokenizer's class and special tokens\);"),
        (["tokenizer.json", "tokenizer_config.json"], {"vocab.txt": None}, r"lacks tokenizer_config.json"),
        (["config.json", "tokenizer.json"], {}, r"lacks config.json; the tokenizer's vocabulary"),
    ],
)
def test_a_folder_lacking_checkpoint_files_is_one_line_naming_them(
    tiny_apc_checkpoint, tiny_backbone_dir, tmp_path, removed, added, lacks
):
    folder = copy_without(tiny_apc_checkpoint, tmp_path / "checkpoint", *removed)
    for name, content in added.items():
        (folder / name).write_bytes((tiny_backbone_dir / name).read_bytes() if content is None else content)
    with pytest.raises(FileNotFoundError) as error_info:
        SentimentClassifier.from_pretrained(folder, device="cpu")
    message = str(error_info.value)
    assert "\n" not in message and message.startswith(f"model: {folder} lacks")
    assert re.search(lacks, message), message
    # and what a complete folder holds
    assert "must contain config.json, model.safetensors (or model.safetensors.index.json and its shards) and the " \
           "tokenizer files: tokenizer_config.json with tokenizer.json or the vocab files" in message


def test_hf_absa_predict_reports_missing_files_in_one_line(tiny_apc_checkpoint, tmp_path, capsys):
    folder = copy_without(tiny_apc_checkpoint, tmp_path / "checkpoint", "model.safetensors")
    assert main(["predict", "--model", str(folder), "--device", "cpu", "the [B-ASP]food[E-ASP] is good"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert error.startswith(f"hf-absa predict: error: model: {folder} lacks the weights (model.safetensors);")


def test_tokenizer_config_with_vocab_files_instead_of_tokenizer_json_loads(classifier, tiny_apc_checkpoint,
                                                                          tiny_backbone_dir, tmp_path):
    folder = copy_without(tiny_apc_checkpoint, tmp_path / "checkpoint", "tokenizer.json")
    shutil.copy(tiny_backbone_dir / "vocab.txt", folder / "vocab.txt")
    assert missing_checkpoint_files(folder) == []
    text = "the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is dim"
    reloaded = SentimentClassifier.from_pretrained(folder, device="cpu")
    assert reloaded.predict(text) == classifier.predict(text)


def test_dict_inputs_give_the_results_of_marked_text_and_aspect_lists(classifier):
    marked = ["the [B-ASP]food[E-ASP] is good but the [B-ASP]wine[E-ASP] is bad", "nice [B-ASP]staff[E-ASP]"]
    dicts = [{"text": "the food is good but the wine is bad", "aspects": ["food", ("wine", 25)]},
             {"text": "nice staff", "aspects": "staff"}]
    expected = classifier.predict(marked)
    assert classifier.predict(dicts) == expected
    assert classifier.predict(dicts[0]) == expected[0]
    assert classifier.predict([marked[0], dicts[1]]) == expected  # the two forms mixed in one list
    assert classifier.predict(["the food is good but the wine is bad", "nice staff"],
                              aspects=[["food", "wine"], ["staff"]]) == expected
    with pytest.raises(TypeError,
                       match=r"texts\[0\] is of type dict; expected a plain sentence \(a string\), as aspects="):
        classifier.predict([dicts[0]], aspects=[["food"]])
    with pytest.raises(TypeError, match=r"^the input is the dict .*expected a sentence with its aspects marked"):
        classifier.predict({"sentence": "the food"})
    with pytest.raises(TypeError, match=r"texts\[1\]: 'text' is of type int; expected the sentence as a string"):
        classifier.predict([marked[0], {"text": 3, "aspects": ["food"]}])
    with pytest.raises(TypeError, match=r"aspects is of type int; expected an aspect string"):
        classifier.predict("the food is good", aspects=5)
    with pytest.raises(TypeError, match=r"aspects is of type int; expected an aspect string"):
        classifier.predict({"text": "the food is good", "aspects": 5})
    with pytest.raises(TypeError, match=r"^texts is of type bytes; expected"):  # not read as a list of ints
        classifier.predict(b"the [B-ASP]food[E-ASP] is good")


def test_results_follow_the_schema_of_the_result_classes(classifier):
    result = classifier.predict("the [B-ASP]food[E-ASP] is delicious $LABEL$ Positive")
    (aspect,) = result["aspects"]
    rebuilt = SentencePrediction(result["sentence"], [AspectPrediction(
        **{key: aspect[key] for key in ("aspect", "start", "end", "label", "score", "probabilities", "reference")})])
    assert rebuilt.to_dict() == result
    assert list(aspect) == ["aspect", "start", "end", "label", "score", "probabilities", "reference", "correct"]
    assert aspect["correct"] is rebuilt.aspects[0].correct is (aspect["label"] == "Positive")
    unlabelled = AspectPrediction("food", 4, 8, "Neutral", 0.5, {"Neutral": 0.5, "Positive": 0.5})
    assert unlabelled.correct is None and set(unlabelled.to_dict()) == {
        "aspect", "start", "end", "label", "score", "probabilities"}


def test_save_mode_2_checkpoint_predicts_the_same(classifier, tiny_tokenizer, tmp_path):
    folder = tmp_path / "mode2"
    export_checkpoint(classifier.model, tiny_tokenizer, folder, mode=2)
    assert (folder / "modeling_apc.py").is_file()
    reloaded = SentimentClassifier.from_pretrained(folder, device="cpu")
    text = "the [B-ASP]battery[E-ASP] is good but the [B-ASP]screen[E-ASP] is dim"
    assert reloaded.predict(text) == classifier.predict(text)


# ------------------------------------------------------------------ long texts, batching


def test_long_review_is_classified_from_a_window_centred_on_the_aspect(classifier, tiny_tokenizer):
    rng = random.Random(0)
    words = "the food was good but service slow and price high".split()
    filler = [rng.choice(words) for _ in range(5000)]
    text = " ".join(filler[:4990]) + " the [B-ASP]keyboard[E-ASP] is awful " + " ".join(filler[4990:])
    (example,) = parse_marked_text(text)
    features = classifier.processor.feature_rows([example])[0]
    max_seq_len = classifier.model.config.max_seq_len
    assert len(features["input_ids"]) <= max_seq_len
    sentence_part = tiny_tokenizer.decode(features["input_ids"]).split("[SEP]")[0]
    assert "keyboard is awful" in sentence_part
    assert len(sentence_part.split()) > max_seq_len // 2  # context on both sides, not the aspect alone

    result = classifier.predict(text)
    assert aspect_spans(result) == [("keyboard", example["aspect_start"], example["aspect_end"])]
    assert result["sentence"][result["aspects"][0]["start"] : result["aspects"][0]["end"]] == "keyboard"


def test_batches_are_grouped_by_length_and_do_not_change_predictions(classifier, tiny_apc_checkpoint):
    texts = [f"the [B-ASP]food[E-ASP] {'is very good ' * n}" for n in (1, 6, 2, 9, 3, 1, 7)]
    lengths_per_batch = []
    one_by_one = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu", batch_size=1)
    grouped = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu", batch_size=3)
    collate = grouped.collator

    def recording_collator(rows):
        lengths_per_batch.append([len(row["input_ids"]) for row in rows])
        return collate(rows)

    grouped.collator = recording_collator
    for single, batched in zip(one_by_one.predict(texts), grouped.predict(texts)):
        assert batched["aspects"][0]["probabilities"] == pytest.approx(single["aspects"][0]["probabilities"],
                                                                       abs=1e-5)
    flat = [length for batch in lengths_per_batch for length in batch]
    assert [len(batch) for batch in lengths_per_batch] == [3, 3, 1]
    assert flat == sorted(flat, reverse=True)


def test_example_groups_are_predicted_lazily_chunk_by_chunk(tiny_apc_checkpoint):
    small_chunks = SentimentClassifier.from_pretrained(tiny_apc_checkpoint, device="cpu", chunk_size=10)
    pulled = []

    def groups():
        for index in range(100):
            pulled.append(index)
            yield parse_marked_text(f"the [B-ASP]food[E-ASP] number {index} is good")

    results = small_chunks.predict_example_groups(groups())
    first = next(results)
    assert first["sentence"] == "the food number 0 is good"
    assert len(pulled) == 10  # one chunk read, not the whole input
    assert len(list(results)) == 99


# ------------------------------------------------------------------ precision options


@pytest.fixture(scope="module")
def random_model(tiny_backbone_dir):
    """An unscaled random model: its logits are small, so bf16/int8 rounding stays far below the tolerance (the
    scaled-up checkpoint fixture amplifies any rounding into different labels)."""
    torch.manual_seed(0)
    return build_model(tiny_backbone_dir, "fast_lsa_t_v2", max_seq_len=40)


def aspect_probabilities(results):
    return np.array([list(aspect["probabilities"].values()) for result in results for aspect in result["aspects"]])


def assert_same_predictions(reference, other, tolerance):
    expected, got = aspect_probabilities(reference), aspect_probabilities(other)
    assert np.abs(expected - got).max() <= tolerance
    ranked = np.sort(expected, axis=1)
    clear = ranked[:, -1] - ranked[:, -2] > 2 * tolerance  # labels are compared where fp32 has no near tie
    assert (expected.argmax(1) == got.argmax(1))[clear].all()


PRECISION_TEXTS = [f"the [B-ASP]{aspect}[E-ASP] is {word} but the [B-ASP]price[E-ASP] is high"
                   for aspect in ("battery", "screen", "food", "service") for word in ("good", "bad", "slow", "nice")]


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_precision_options_predict_like_fp32(random_model, tiny_tokenizer, precision):
    reference = SentimentClassifier(random_model, tiny_tokenizer, device="cpu").predict(PRECISION_TEXTS)
    other = SentimentClassifier(random_model, tiny_tokenizer, device="cpu", precision=precision)
    predictions = other.predict(PRECISION_TEXTS)
    # int8 rounds every weight of the quantised layers to 1 of 256 levels: its error depends on the weights drawn,
    # and 1e-3 was exceeded (1.2e-3) by one draw of the random head.
    assert_same_predictions(reference, predictions, tolerance=1e-3 if precision == "bf16" else 5e-3)
    assert not np.array_equal(aspect_probabilities(reference), aspect_probabilities(predictions))  # in effect
    if precision == "int8":
        assert isinstance(other.model.classifier, torch.ao.nn.quantized.dynamic.Linear)
        assert type(random_model.classifier) is torch.nn.Linear  # a quantised copy; the model is left alone


def test_bf16_classifier_runs_linear_weights_cast_once_with_the_same_results(random_model, tiny_tokenizer):
    from hf_absa.inference.precision import prepare_model

    classifier = SentimentClassifier(random_model, tiny_tokenizer, device="cpu", precision="bf16")
    assert classifier.model is random_model  # the model kept (to save or export) is the fp32 one
    assert {parameter.dtype for parameter in random_model.parameters()} == {torch.float32}
    assert classifier._forward.module.module.classifier.weight.dtype == torch.bfloat16
    cast = classifier.predict(PRECISION_TEXTS)
    _, classifier._forward = prepare_model(random_model, classifier.device, "bf16")  # autocast alone
    assert aspect_probabilities(classifier.predict(PRECISION_TEXTS)).tolist() == aspect_probabilities(cast).tolist()


def test_bf16_classifier_follows_changes_to_its_model(random_model, tiny_tokenizer):
    import copy

    model = copy.deepcopy(random_model)
    classifier = SentimentClassifier(model, tiny_tokenizer, device="cpu", precision="bf16")
    before = aspect_probabilities(classifier.predict(PRECISION_TEXTS))
    with torch.no_grad():  # edited in place
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
    assert np.allclose(aspect_probabilities(classifier.predict(PRECISION_TEXTS)), 1 / 3)
    model.load_state_dict(random_model.state_dict())  # weights loaded back
    assert aspect_probabilities(classifier.predict(PRECISION_TEXTS)).tolist() == before.tolist()
    model.classifier = torch.nn.Linear(model.classifier.in_features, model.classifier.out_features)  # a new head
    assert not np.array_equal(aspect_probabilities(classifier.predict(PRECISION_TEXTS)), before)


def test_bf16_on_cpu_bounds_the_onednn_primitive_cache(random_model, tiny_tokenizer, monkeypatch):
    monkeypatch.delenv(CAPACITY_VARIABLE, raising=False)
    SentimentClassifier(random_model, tiny_tokenizer, device="cpu", precision="int8")
    assert CAPACITY_VARIABLE not in os.environ
    SentimentClassifier(random_model, tiny_tokenizer, device="cpu", precision="bf16")
    assert os.environ[CAPACITY_VARIABLE] == str(DEFAULT_CAPACITY)


def test_compiled_model_predicts_like_eager(random_model, tiny_tokenizer, monkeypatch):
    # TorchDynamo traces the model as with the default backend, but the "eager" backend skips inductor's C++
    # code generation (tens of seconds on 2 cores); inductor itself is exercised by the benchmarks.
    compile_calls = []
    real_compile = torch.compile

    def compile_with_eager_backend(model, **options):
        compile_calls.append(options)
        return real_compile(model, backend="eager", **options)

    monkeypatch.setattr(torch, "compile", compile_with_eager_backend)
    texts = PRECISION_TEXTS[:4]
    reference = SentimentClassifier(random_model, tiny_tokenizer, device="cpu").predict(texts)
    compiled = SentimentClassifier(random_model, tiny_tokenizer, device="cpu", compile=True)
    assert compile_calls == [{"dynamic": True}]
    assert_same_predictions(reference, compiled.predict(texts), tolerance=1e-5)
