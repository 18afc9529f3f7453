"""The ATEPC comparison's pieces (benchmarks/compare_pyabsa_atepc.py, benchmarks/hf_absa_atepc.py) without
PyABSA: report rows, unit conversion, PyABSA's evaluation schedule, resuming, and the training flags."""

import json
import sys

import pytest
from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from compare_pyabsa import cached_run, markdown, summarise  # noqa: E402
from compare_pyabsa_atepc import (  # noqa: E402
    ROWS,
    atepc_file_blocks,
    peer_fractions,
    pyabsa_log_step,
)

META = {"date": "d", "cpu": "c", "cores": 2, "threads": 2, "command": "x"}


def atepc_runs():
    hf = [{"library": "hf_absa", "protocol": "pyabsa", "dataset": "laptop14", "model": "fast_lcf_atepc", "seed": s,
           "train_examples_per_s": 50.0 + s, "max_test_pyabsa_ate_f1": 0.60 + s / 100, "test_e2e_f1": 0.40}
          for s in (1, 2)]
    e2e = [{"library": "hf_absa", "protocol": "e2e", "dataset": "laptop14", "model": "fast_lcf_atepc", "seed": s,
            "test_e2e_f1": 0.55} for s in (1, 2)]
    peer = [peer_fractions({"library": "pyabsa", "dataset": "laptop14", "model": "fast_lcf_atepc", "seed": s,
                            "train_examples_per_s": 17.0, "max_ate_test_f1": 58.9, "infer_joint_f1": 0.399})
            for s in (1, 2)]
    return hf + e2e + peer


def test_peer_fractions_divides_only_pyabsas_percent_fields():
    run = peer_fractions({"max_apc_test_acc": 56.74, "max_ate_test_f1": None, "infer_ate_f1": 0.653})
    assert run["max_apc_test_acc"] == pytest.approx(0.5674)
    assert run["max_ate_test_f1"] is None and run["infer_ate_f1"] == 0.653
    assert run["percent_fields_divided_by_100"] == ["max_apc_test_acc"]


def test_atepc_report_has_ratios_point_differences_and_our_only_e2e_row():
    summary = summarise(atepc_runs(), ROWS)
    rows = summary["laptop14/fast_lcf_atepc"]["rows"]
    assert rows["train ex/s (optimizer steps only)"]["ratio"] is None  # neither side reported it
    report = markdown(summary, META, ROWS)
    lines = report.splitlines()
    train = next(line for line in lines if line.startswith("| train ex/s (as run"))
    assert train.endswith("| 51.5 ± 0.7 | 17.0 | 3.03× |"), train
    # PyABSA's 58.9 (percent) compared as 0.589 with our fractions: a difference in points.
    ate = next(line for line in lines if line.startswith("| ATE F1, PyABSA protocol"))
    assert ate.endswith("| 61.50 ± 0.71 | 58.90 | +2.60 pts |"), ate
    e2e = next(line for line in lines if line.startswith("| e2e F1, exact spans and polarity"))
    assert e2e.endswith("| 40.00 | 39.90 | +0.10 pts |"), e2e
    # e2e_absa is read from the e2e runs only, and PyABSA has no side there.
    ours_only = next(line for line in lines if line.startswith("| e2e_absa test e2e F1"))
    assert ours_only.endswith("| 55.00 | – | – |"), ours_only
    overview = next(line for line in lines if line.startswith("| laptop14/fast_lcf_atepc |"))
    assert overview.startswith("| laptop14/fast_lcf_atepc | 3.03× | – | – | +2.60 |"), overview
    # hf_absa's own e2e_absa figure, not a comparison, in a column that says so.
    assert overview.endswith("| +0.10 | 55.00 |"), overview
    assert "| e2e_absa e2e F1 (hf_absa) |" in report


def test_pyabsa_log_step_gives_one_evaluation_per_epoch_and_blocks_are_counted(tmp_path):
    # PyABSA's ATEPC loop counts 2 per optimisation step: an evaluation every log_step / 2 steps.
    steps_per_epoch = -(-2328 // 16)
    assert pyabsa_log_step(2328, 16) // 2 == steps_per_epoch == 146
    assert pyabsa_log_step(2320, 16) == 290
    (tmp_path / "toy_Train.seg.atepc").write_text("a O -100\nb B-ASP Positive\n\n\nc B-ASP Negative\n\nd O -100\n")
    (tmp_path / "toy_Test.seg.atepc").write_text("a B-ASP Positive\n")
    assert atepc_file_blocks(tmp_path) == 3
    assert atepc_file_blocks(tmp_path, "test") == 1
    (tmp_path / "other_train.atepc").write_text("x O -100\n")
    with pytest.raises(SystemExit, match=r"expected one \*train\*\.atepc file"):
        atepc_file_blocks(tmp_path)


def test_cached_run_reuses_an_existing_result_and_saves_a_new_one(tmp_path):
    done = tmp_path / "run.json"
    done.write_text(json.dumps({"seed": 1}))
    # A command that would fail: it is not run when the result exists.
    assert cached_run(done, [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "a.log") == {"seed": 1}
    fresh = tmp_path / "fresh.json"
    result = cached_run(fresh, [sys.executable, "-c", "print('noise'); print('{\"x\": 2}')"], tmp_path / "b.log",
                        protocol="e2e")
    assert result == {"x": 2, "protocol": "e2e"} and json.loads(fresh.read_text()) == result


def test_atepc_driver_flags_parse_into_pyabsas_protocol_and_the_main_one():
    from hf_absa.commands.train import parse
    from hf_absa_atepc import parse_args, train_flags

    args = parse_args(["--data-dir", "data", "--out-dir", "out", "--extra", "--weight_decay", "1e-5"])
    _, model_args, data_args, training_args = parse(train_flags(args, REPO_ROOT / "unused-output"))
    assert model_args.atepc_model == "fast_lcf_atepc" and data_args.dataset == "laptop14"
    assert training_args.report_max_test and training_args.validation_fraction == 0
    assert training_args.eval_strategy == "epoch" and not training_args.load_best_model_at_end
    assert training_args.weight_decay == 1e-5  # --extra flags come last and win
    main = parse_args(["--data-dir", "data", "--out-dir", "out", "--protocol", "main", "--dataset",
                       "e2e_absa/laptop14"])
    _, _, data_args, training_args = parse(train_flags(main, REPO_ROOT / "unused-output"))
    assert data_args.dataset == "e2e_absa/laptop14" and not training_args.report_max_test
    assert training_args.eval_strategy == "steps" and training_args.load_best_model_at_end


def test_atepc_driver_passes_no_precision_flag_by_default_and_forces_one_on_request():
    from hf_absa.commands.train import parse
    from hf_absa_atepc import parse_args, train_flags

    base = ["--data-dir", "data", "--out-dir", "out"]
    assert "--bf16" not in train_flags(parse_args(base), REPO_ROOT / "unused-output")  # the library decides
    _, _, _, training_args = parse(train_flags(parse_args(base + ["--precision", "fp32"]), REPO_ROOT / "unused"))
    assert not training_args.bf16 and training_args.precision_source == "flag"
    assert train_flags(parse_args(base + ["--bf16"]), REPO_ROOT / "unused")[-2:] == ["--bf16", "true"]


def test_atepc_driver_reports_each_disagreeing_aspects_polarity(tiny_atepc_checkpoint):
    """The driver's check of the issue's sentence ("the staff was so nice to us, but the service was bad"): one
    prediction per given aspect, and the verdict follows them."""
    from hf_absa_atepc import DISAGREEING_ASPECTS, disagreeing_aspects
    from transformers import AutoTokenizer

    from hf_absa.models import ATEPCModelForTokenClassification

    model = ATEPCModelForTokenClassification.from_pretrained(tiny_atepc_checkpoint).eval()
    report = disagreeing_aspects(model, AutoTokenizer.from_pretrained(tiny_atepc_checkpoint))
    assert [item["sentence"] for item in report["disagreeing_aspects"]] == [s for s, _ in DISAGREEING_ASPECTS]
    for item, (_, expected) in zip(report["disagreeing_aspects"], DISAGREEING_ASPECTS):
        assert item["expected"] == expected
        assert set(item["predicted"]) == set(expected)
        assert set(item["predicted"].values()) <= set(model.config.polarity_labels)
    assert report["disagreeing_aspects_right"] == all(
        item["predicted"] == item["expected"] for item in report["disagreeing_aspects"])
