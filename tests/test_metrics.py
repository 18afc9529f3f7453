import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from transformers import EvalPrediction

from hf_absa.metrics import APCMetrics, compute_apc_metrics, confusion_counts, metrics_from_confusion_matrix


def test_accuracy_and_macro_f1_by_hand():
    # references: N N P P U ; predictions: N P P P U  (N=0, U=1 neutral, P=2)
    refs = [0, 0, 2, 2, 1]
    preds = [0, 2, 2, 2, 1]
    metrics = compute_apc_metrics(preds, refs, ["Negative", "Neutral", "Positive"])
    assert metrics["accuracy"] == pytest.approx(4 / 5)
    # F1 per class: Negative p=1 r=.5 -> 2/3; Neutral 1; Positive p=2/3 r=1 -> 0.8
    assert metrics["f1_Negative"] == pytest.approx(2 / 3)
    assert metrics["f1_Neutral"] == pytest.approx(1.0)
    assert metrics["f1_Positive"] == pytest.approx(0.8)
    assert metrics["f1"] == pytest.approx((2 / 3 + 1 + 0.8) / 3)


def test_macro_f1_counts_classes_absent_from_the_split():
    metrics = compute_apc_metrics([0, 0], [0, 0], ["Negative", "Neutral", "Positive"])
    assert metrics["accuracy"] == 1.0
    # PyABSA averages over every label of the model: absent classes count as 0.
    assert metrics["f1"] == pytest.approx(1 / 3)


def test_detailed_report_is_plain_json_types():
    metrics = compute_apc_metrics([0, 1, 1], [0, 1, 0], ["neg", "pos"], detailed=True)
    assert metrics["confusion_matrix"] == [[1, 1], [0, 1]]
    assert metrics["per_class"]["neg"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert type(metrics["per_class"]["pos"]["support"]) is int


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        compute_apc_metrics([0, 1], [0], ["a", "b"])


def test_trainer_metrics_callable_uses_argmax_of_logits_and_label_names():
    metrics = APCMetrics({0: "Negative", 1: "Positive"})
    logits = np.array([[2.0, -1.0], [0.0, 1.0], [3.0, 0.0]])
    out = metrics(EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 1])))
    assert out["accuracy"] == pytest.approx(2 / 3)
    assert set(out) == {"accuracy", "f1", "f1_Negative", "f1_Positive"}


def test_metrics_from_running_counts_equal_those_of_the_lists():
    rng = np.random.default_rng(0)
    predictions, references = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    names = ["Negative", "Neutral", "Positive"]
    matrix = np.zeros((3, 3), dtype=int)
    for start in range(0, 500, 64):  # counted chunk by chunk, as predict_file does
        matrix += confusion_counts(predictions[start : start + 64], references[start : start + 64], 3)
    assert metrics_from_confusion_matrix(matrix, names, detailed=True) == compute_apc_metrics(
        predictions, references, names, detailed=True)


def test_unlabelled_references_are_left_out_and_bad_ids_are_errors():
    metrics = compute_apc_metrics([0, 1, 1], [0, -100, 1], ["neg", "pos"], detailed=True)
    assert metrics["accuracy"] == 1.0 and metrics["confusion_matrix"] == [[1, 0], [0, 1]]
    with pytest.raises(ValueError, match="references hold label id 2; expected ids 0..1"):
        compute_apc_metrics([0, 1], [0, 2], ["neg", "pos"])
    with pytest.raises(ValueError, match="one row and one column per label"):
        metrics_from_confusion_matrix([[1, 0]], ["neg", "pos"])


def test_figures_equal_scikit_learns_on_the_raw_lists():
    # The core scores the confusion matrix's cells as weighted samples; the figures must be those of the raw lists.
    rng = np.random.default_rng(1)
    names = ["a", "b", "c", "d"]
    for trial in range(30):
        size = int(rng.integers(1, 60))
        predictions = rng.integers(0, 4, size)
        references = rng.integers(0, 3 if trial % 3 == 0 else 4, size)  # label "d" sometimes absent
        labels = list(range(4))
        metrics = compute_apc_metrics(predictions, references, names, detailed=True)
        assert metrics["accuracy"] == pytest.approx(accuracy_score(references, predictions))
        assert metrics["f1"] == pytest.approx(
            f1_score(references, predictions, labels=labels, average="macro", zero_division=0))
        precision, recall, f1, support = precision_recall_fscore_support(
            references, predictions, labels=labels, average=None, zero_division=0)
        for index, name in enumerate(names):
            assert metrics["per_class"][name] == pytest.approx(
                {"precision": precision[index], "recall": recall[index], "f1": f1[index], "support": support[index]})
            assert metrics[f"f1_{name}"] == pytest.approx(f1[index])


def test_empty_and_negative_matrices():
    metrics = metrics_from_confusion_matrix(np.zeros((2, 2), dtype=int), ["neg", "pos"], detailed=True)
    assert (metrics["accuracy"], metrics["f1"], metrics["per_class"]["pos"]["recall"]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="negative count -1"):
        metrics_from_confusion_matrix([[1, -1], [0, 1]], ["neg", "pos"])
