"""ATEPC metrics: hand-computed figures under both protocols, and the span rule cross-checked against seqeval."""

import numpy as np
import pytest
import torch
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.scheme import IOB2, Tokens
from transformers import EvalPrediction
from transformers.trainer_pt_utils import EvalLoopContainer

from hf_absa.metrics import (
    ATEPCMetrics,
    compute_atepc_metrics,
    compute_pyabsa_ate_metrics,
    exact_span_scores,
    max_over_evaluations,
    spans_to_tags,
    tag_ids_to_spans,
    tags_to_spans,
)

POLARITIES = ["Negative", "Neutral", "Positive"]
NEG, NEU, POS = 0, 1, 2
NONE = -100
TAGS = ["O", "B-ASP", "I-ASP"]
O, B, I = 0, 1, 2


@pytest.mark.parametrize(
    "tags, spans",
    [
        ([], []),
        (["O", "O"], []),
        (["B-ASP", "I-ASP", "O"], [(0, 2)]),
        (["O", "I-ASP", "I-ASP", "O"], []),  # I- without B-: no span
        (["B-ASP", "O", "I-ASP"], [(0, 1)]),  # an I- after O continues nothing
        (["B-ASP", "B-ASP", "I-ASP"], [(0, 1), (1, 3)]),  # two B- in a row: two spans
        (["O", "B-ASP", "I-ASP"], [(1, 3)]),  # a span at the end
        (["B-ASP"], [(0, 1)]),
        (["B-ASP", "I-X", "I-ASP"], [(0, 1)]),  # an I- of another type ends the span and starts none
    ],
)
def test_tags_to_spans_rule(tags, spans):
    assert tags_to_spans(tags) == spans


def test_tag_ids_to_spans_and_bad_tags_are_errors():
    assert tag_ids_to_spans(np.array([I, B, I, O, B]), TAGS) == [(1, 3), (4, 5)]
    with pytest.raises(ValueError, match="tag id 3 has no name"):
        tag_ids_to_spans([0, 3], TAGS)
    with pytest.raises(ValueError, match="'E-ASP' at position 1 is not IOB2"):
        tags_to_spans(["O", "E-ASP"])


def test_spans_to_tags_round_trip_and_errors():
    assert spans_to_tags([(0, 1), (1, 3)], 4) == ["B-ASP", "B-ASP", "I-ASP", "O"]
    with pytest.raises(ValueError, match="does not fit 2 words"):
        spans_to_tags([(1, 3)], 2)
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_tags([(0, 2), (1, 3)], 4)


def random_tag_sequences(rng, count):
    """Random sequences over O/B-ASP/I-ASP: most of them invalid IOB2 (I- after O, at the start)."""
    return [[TAGS[i] for i in rng.integers(0, 3, rng.integers(1, 12))] for _ in range(count)]


def test_span_rule_and_scorer_agree_with_seqeval_strict_on_random_sequences():
    rng = np.random.default_rng(11)
    invalid = 0
    for trial in range(200):
        gold = random_tag_sequences(rng, 8)
        predicted = [[TAGS[i] for i in rng.integers(0, 3, len(seq))] for seq in gold]
        for seq in gold + predicted:
            strict_entities = [(e.start, e.end) for e in Tokens(seq, IOB2).entities]
            assert tags_to_spans(seq) == strict_entities, seq
            invalid += spans_to_tags(tags_to_spans(seq), len(seq)) != seq
        ours = exact_span_scores([tags_to_spans(s) for s in gold], [tags_to_spans(s) for s in predicted])
        strict = dict(mode="strict", scheme=IOB2, zero_division=0)
        assert ours["precision"] == pytest.approx(precision_score(gold, predicted, **strict)), trial
        assert ours["recall"] == pytest.approx(recall_score(gold, predicted, **strict)), trial
        assert ours["f1"] == pytest.approx(f1_score(gold, predicted, **strict)), trial
    assert invalid > 500  # the check did cover invalid sequences, not only valid ones


def test_valid_sequences_round_trip_through_spans():
    rng = np.random.default_rng(3)
    for seq in random_tag_sequences(rng, 300):
        valid = spans_to_tags(tags_to_spans(seq), len(seq))
        assert spans_to_tags(tags_to_spans(valid), len(valid)) == valid


def test_main_protocol_by_hand():
    gold_spans = [[(0, 2), (4, 5)], [], [(0, 3)], [(2, 3)]]
    gold_polarities = [[POS, NEG], [], [NEU], [NONE]]  # sentence 3: an aspect without polarity
    predicted_spans = [[(0, 2), (4, 5)], [(1, 2)], [(1, 3)], [(2, 3)]]  # FP in the aspect-free sentence; partial
    predicted_polarities = [[POS, POS], [NEG], [NEU], [POS]]
    gold_aspect_predictions = [[POS, POS], [], [NEG], [NEG]]
    metrics = compute_atepc_metrics(gold_spans, gold_polarities, predicted_spans, predicted_polarities,
                                    gold_aspect_predictions, POLARITIES)
    # ATE: 4 gold, 5 predicted, 3 exact (the partial (1, 3) and the aspect-free FP are wrong)
    assert metrics["ate_precision"] == pytest.approx(3 / 5)
    assert metrics["ate_recall"] == pytest.approx(3 / 4)
    assert metrics["ate_f1"] == pytest.approx(2 / 3)
    # E2E: the unlabelled gold aspect and the prediction on it are left out: 3 gold, 4 predicted, 1 right
    assert metrics["e2e_precision"] == pytest.approx(1 / 4)
    assert metrics["e2e_recall"] == pytest.approx(1 / 3)
    assert metrics["e2e_f1"] == pytest.approx(2 / 7)
    # APC on gold aspects: refs Pos Neg Neu, predictions Pos Pos Neg
    assert metrics["apc_accuracy"] == pytest.approx(1 / 3)
    assert metrics["apc_f1_Negative"] == 0.0 and metrics["apc_f1_Neutral"] == 0.0
    assert metrics["apc_f1_Positive"] == pytest.approx(2 / 3)
    assert metrics["apc_f1"] == pytest.approx(2 / 9)
    assert (metrics["num_sentences"], metrics["num_gold_aspects"], metrics["num_predicted_aspects"]) == (4, 4, 5)


def test_aspect_free_false_positives_count_in_main_protocol_only():
    gold_spans = [[(0, 1)], []]
    predicted_tags = [["B-ASP", "O"], ["B-ASP", "O"]]
    main = compute_atepc_metrics(gold_spans, [[POS], []], [tags_to_spans(t) for t in predicted_tags],
                                 [[POS], [POS]], [[POS], []], POLARITIES)
    assert (main["ate_precision"], main["ate_recall"]) == (0.5, 1.0)
    assert main["e2e_f1"] == pytest.approx(2 / 3)
    # PyABSA drops aspect-free sentences, so it never sees that false positive.
    assert compute_pyabsa_ate_metrics(gold_spans, predicted_tags)["pyabsa_ate_f1"] == 1.0


def test_multi_aspect_sentences_count_once_in_main_protocol_and_once_per_aspect_in_pyabsa():
    gold_spans = [[(0, 1), (2, 3)], [(0, 1)]]
    predicted_tags = [["B-ASP", "O", "B-ASP"], ["O", "O"]]
    main = exact_span_scores(gold_spans, [tags_to_spans(t) for t in predicted_tags])
    assert (main["precision"], main["recall"], main["f1"]) == (1.0, pytest.approx(2 / 3), pytest.approx(0.8))
    # all_aspects: sentence 0 scored twice (2 of 2 right each time), sentence 1 once (1 missed): 4 right of 5 gold.
    pyabsa = compute_pyabsa_ate_metrics(gold_spans, predicted_tags)
    assert pyabsa["pyabsa_ate_precision"] == 1.0
    assert pyabsa["pyabsa_ate_recall"] == pytest.approx(4 / 5)
    assert pyabsa["pyabsa_ate_f1"] == pytest.approx(8 / 9)
    # focus_aspect: each copy of sentence 0 has one gold aspect, so the other predicted one is a false positive.
    focus = compute_pyabsa_ate_metrics(gold_spans, predicted_tags, copy_style="focus_aspect")
    assert focus["pyabsa_ate_precision"] == pytest.approx(2 / 4)
    assert focus["pyabsa_ate_recall"] == pytest.approx(2 / 3)
    assert focus["pyabsa_ate_f1"] == pytest.approx(4 / 7)


@pytest.mark.parametrize(
    "gold_tags, predicted_tags, lenient_right",
    [
        (["B-ASP", "I-ASP", "O"], ["I-ASP", "I-ASP", "O"], True),  # seqeval default: an I- may open a chunk
        (["O", "B-ASP", "I-ASP"], ["O", "I-ASP", "I-ASP"], True),
        (["B-ASP", "I-ASP", "O"], ["B-ASP", "O", "O"], False),  # a shorter span is wrong in both modes
        (["B-ASP", "I-ASP", "O"], ["O", "I-ASP", "O"], False),
        (["B-ASP", "I-ASP", "O"], ["B-ASP", "I-ASP", "I-ASP"], False),
    ],
)
def test_partial_spans_wrong_under_exact_and_right_under_lenient_where_seqeval_says_so(
    gold_tags, predicted_tags, lenient_right
):
    gold_spans = [tags_to_spans(gold_tags)]
    main = compute_atepc_metrics(gold_spans, [[POS]], [tags_to_spans(predicted_tags)],
                                 [[POS] * len(tags_to_spans(predicted_tags))], [[POS]], POLARITIES)
    assert main["ate_f1"] == 0.0 and main["e2e_f1"] == 0.0
    lenient = compute_pyabsa_ate_metrics(gold_spans, [predicted_tags])["pyabsa_ate_f1"]
    assert lenient == (1.0 if lenient_right else 0.0)


def test_duplicates_and_mismatched_inputs_are_errors():
    with pytest.raises(ValueError, match=r"predicted_spans\[0\] holds the same span twice"):
        compute_atepc_metrics([[(0, 1)]], [[POS]], [[(0, 1), (0, 1)]], [[POS, POS]], [[POS]], POLARITIES)
    with pytest.raises(ValueError, match="gold_polarities has 1 sentences; expected 2"):
        compute_atepc_metrics([[], []], [[]], [[], []], [[], []], [[], []], POLARITIES)
    with pytest.raises(ValueError, match=r"gold_polarities\[0\] has 2 polarities for 1 spans"):
        compute_atepc_metrics([[(0, 1)]], [[POS, NEG]], [[]], [[]], [[POS]], POLARITIES)
    with pytest.raises(ValueError, match=r"predicted_polarities\[0\] holds polarity id 3"):
        compute_atepc_metrics([[]], [[]], [[(0, 1)]], [[3]], [[]], POLARITIES)
    with pytest.raises(ValueError, match=r"gold_aspect_predictions\[0\] holds polarity id -100; expected 0..2$"):
        compute_atepc_metrics([[(0, 1)]], [[POS]], [[]], [[]], [[NONE]], POLARITIES)
    with pytest.raises(ValueError, match=r"gold_spans\[0\] holds the span \(2, 2\)"):
        exact_span_scores([[(2, 2)]], [[]])
    with pytest.raises(ValueError, match="copy_style"):
        compute_pyabsa_ate_metrics([[]], [[]], copy_style="per_copy")


def test_max_over_evaluations_takes_each_figure_independently():
    history = [
        {"test_pyabsa_ate_f1": 0.70, "test_apc_accuracy": 0.80, "epoch": 1},
        {"loss": 0.3},
        {"test_pyabsa_ate_f1": 0.75, "test_apc_accuracy": 0.78, "epoch": 2},
    ]
    assert max_over_evaluations(history, ["test_pyabsa_ate_f1", "test_apc_accuracy"]) == {
        "max_test_pyabsa_ate_f1": 0.75, "max_test_apc_accuracy": 0.80}
    with pytest.raises(ValueError, match="no evaluation logged 'test_e2e_f1'"):
        max_over_evaluations(history, ["test_e2e_f1"])


def one_hot_logits(tag_ids):
    logits = np.eye(3)[np.asarray(tag_ids)] * 4.0
    logits[np.asarray(tag_ids) == -1] = -100.0  # what the Trainer pads concatenated predictions with
    return logits


def small_eval_prediction():
    # Tokens: position 0 is [CLS]; -100 marks special tokens, later sub-tokens and padding.
    tag_labels = np.array([
        [-100, B, I, -100, O, B, -100, -100],  # words: B I O B (word 1 has two sub-tokens)
        [-100, O, O, O, -100, -100, -100, -100],  # aspect-free
        [-100, O, B, I, I, -100, -100, -100],  # one 3-word aspect
        [-100, B, O, -100, -100, -100, -100, -100],
    ])
    predicted_ids = np.array([
        [O, B, I, B, O, O, O, -1],  # the B- on a later sub-token (position 3) must be ignored; misses word 3
        [O, O, B, O, O, -1, -1, -1],  # a false positive in the aspect-free sentence
        [O, O, I, I, I, O, -1, -1],  # I I I: wrong under exact, right under lenient
        [O, B, O, O, -1, -1, -1, -1],
    ])
    polarity_labels = np.array([[POS, NEG], [NONE, NONE], [NEU, NONE], [POS, NONE]])
    polarity_logits = np.full((4, 2, 3), -100.0)
    polarity_logits[0, 0] = [3, 0, 0]  # Negative for a Positive aspect
    polarity_logits[0, 1] = [3, 0, 0]  # Negative, right
    polarity_logits[2, 0] = [3, 0, 0]  # Negative for a Neutral aspect
    polarity_logits[3, 0] = [0, 0, 3]  # Positive, right
    return EvalPrediction(predictions=(one_hot_logits(predicted_ids), polarity_logits),
                          label_ids=(tag_labels, polarity_labels))


def test_trainer_metrics_from_first_sub_tokens_by_hand():
    metrics = ATEPCMetrics({0: "O", 1: "B-ASP", 2: "I-ASP"}, POLARITIES)(small_eval_prediction())
    # gold spans: (0,2) (3,4) | - | (1,4) | (0,1); predicted: (0,2) | (1,2) | none | (0,1)
    assert metrics["ate_precision"] == pytest.approx(2 / 3)
    assert metrics["ate_recall"] == pytest.approx(2 / 4)
    assert metrics["ate_f1"] == pytest.approx(4 / 7)
    # end to end only sentence 3's aspect is right ((0,2) has the wrong polarity)
    assert metrics["e2e_precision"] == pytest.approx(1 / 3)
    assert metrics["e2e_recall"] == pytest.approx(1 / 4)
    assert metrics["e2e_f1"] == pytest.approx(2 / 7)
    # gold aspects: refs Pos Neg Neu Pos, predictions Neg Neg Neg Pos
    assert metrics["apc_accuracy"] == pytest.approx(2 / 4)
    assert metrics["apc_f1"] == pytest.approx((0.5 + 0.0 + 2 / 3) / 3)
    # PyABSA: sentence 0 twice (1 of 2 each), sentence 2 right leniently, sentence 3 right; aspect-free dropped
    assert metrics["pyabsa_ate_precision"] == 1.0
    assert metrics["pyabsa_ate_recall"] == pytest.approx(4 / 6)
    assert metrics["pyabsa_ate_f1"] == pytest.approx(0.8)
    assert (metrics["num_sentences"], metrics["num_gold_aspects"], metrics["num_predicted_aspects"]) == (4, 4, 3)


def test_trainer_metrics_refuse_what_they_cannot_read():
    metrics = ATEPCMetrics({0: "O", 1: "B-ASP", 2: "I-ASP"}, POLARITIES, pyabsa_protocol=False)
    prediction = small_eval_prediction()
    assert "pyabsa_ate_f1" not in metrics(prediction)
    with pytest.raises(ValueError, match="label_names=\\['labels', 'polarity_labels'\\]"):
        metrics(EvalPrediction(predictions=prediction.predictions, label_ids=prediction.label_ids[0]))
    polarity_labels = prediction.label_ids[1].copy()
    polarity_labels[1, 0] = POS  # a polarity for the aspect-free sentence
    with pytest.raises(ValueError, match="row 1 has polarity labels beyond its 0 gold aspects"):
        metrics(EvalPrediction(predictions=prediction.predictions,
                               label_ids=(prediction.label_ids[0], polarity_labels)))
    tag_logits, polarity_logits = prediction.predictions
    with pytest.raises(ValueError, match="row 0 has a labelled gold aspect without polarity logits"):
        metrics(EvalPrediction(predictions=(tag_logits, polarity_logits[:, :1]), label_ids=prediction.label_ids))
    with pytest.raises(ValueError, match=r"polarity logits have shape \(4, 2, 2\); expected"):
        metrics(EvalPrediction(predictions=(tag_logits, polarity_logits[..., :2]), label_ids=prediction.label_ids))
    with pytest.raises(ValueError, match="'S-ASP' at position 1 is not IOB2"):
        ATEPCMetrics({0: "O", 1: "S-ASP"}, POLARITIES)


def test_trainer_metrics_read_batches_concatenated_with_the_trainers_padding():
    """The Trainer pads each batch's tensors to the longest T and A seen with -100 before concatenating them."""
    full = small_eval_prediction()
    tag_logits, polarity_logits = full.predictions
    tag_labels, polarity_labels = full.label_ids
    # batch 1: sentences 0-1 (T = 7, A = 2); batch 2: sentences 2-3 trimmed to T = 5 and A = 1
    first = (tag_logits[:2, :7], polarity_logits[:2], tag_labels[:2, :7], polarity_labels[:2])
    second = (tag_logits[2:, :5], polarity_logits[2:, :1], tag_labels[2:, :5], polarity_labels[2:, :1])
    container = EvalLoopContainer(padding_index=-100)
    container.add(tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in first))
    container.add(tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in second))
    merged = list(container.get_arrays())
    assert merged[1].shape == (4, 2, 3) and merged[3][2:, 1].tolist() == [-100, -100]
    metrics = ATEPCMetrics({0: "O", 1: "B-ASP", 2: "I-ASP"}, POLARITIES)
    assert metrics(EvalPrediction((merged[0], merged[1]), (merged[2], merged[3]))) == metrics(full)


def test_trainer_metrics_of_an_aspect_free_evaluation():
    tag_labels = np.array([[-100, O, O, -100], [-100, O, -100, -100]])
    tag_logits = one_hot_logits([[O, B, O, O], [O, O, O, -1]])
    prediction = EvalPrediction((tag_logits, np.zeros((2, 0, 3))), (tag_labels, np.zeros((2, 0), dtype=np.int64)))
    metrics = ATEPCMetrics({0: "O", 1: "B-ASP", 2: "I-ASP"}, POLARITIES)(prediction)
    assert (metrics["num_gold_aspects"], metrics["num_predicted_aspects"]) == (0, 1)
    assert metrics["ate_precision"] == 0.0 and metrics["ate_f1"] == 0.0 and metrics["e2e_f1"] == 0.0
    assert metrics["pyabsa_ate_f1"] == 0.0  # no copies at all
