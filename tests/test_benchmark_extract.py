"""benchmarks/extract_speed.py runs end to end on a tiny ATEPC checkpoint (hf_absa's side; PyABSA is not
installed in the test environment): its figures are counted on what was extracted, and fp32 is compared with
the other precision."""

import json
import os
import subprocess
import sys

from conftest import REPO_ROOT


def test_extract_speed_driver_times_every_mode_and_counts_precision_differences(tiny_atepc_checkpoint, tmp_path):
    texts = ["the battery life is great but the screen is dim", "i love this place", "the screen",
             "the battery life is good " * 30]  # 150 words: windows of 40 tokens
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("\n".join(texts) + "\n", encoding="utf-8")
    out = tmp_path / "bench"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "extract_speed.py"), "--checkpoint", str(tiny_atepc_checkpoint),
         "--texts", f"tiny={reviews}", "--no-peer", "--precisions", "fp32", "bf16@0", "bf16@1", "auto", "--batch-size", "4",
         "--single", "2", "--repeats", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
        # this checkout's hf_absa, whatever the installed one
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == json.loads((out / "extract_speed.json").read_text())
    block = result["datasets"]["tiny"]
    assert block["sentences"] == 4 and "pyabsa" not in block
    runs = {(run["precision"], run["batch_size"], run["sentiment"]): run for run in block["hf_absa"]["runs"]}
    entries = ("fp32", "bf16@0", "bf16@1", "auto")
    assert set(runs) == {(precision, batch, sentiment) for precision in entries for batch in (4, 1)
                         for sentiment in (False, True)}
    # The hand-set tagger finds "battery life" and "screen": 2 + 0 + 1 + 30 aspects, 2 in the first two texts.
    assert runs["fp32", 4, True]["aspects"] == 33 and runs["fp32", 1, False]["aspects"] == 2
    assert all(run["sentences_per_s"] > 0 and run["aspects_per_s"] > 0 for run in runs.values())
    for entry in entries[1:]:
        assert block["hf_absa"]["differing_sentences"][entry]["extraction"] == 0  # the margins are wide
    # bf16@1: every window of the batched pass tagged again in fp32 (the 150-word text takes several); bf16@0: none
    from hf_absa import AspectExtractor

    results = AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu", precision="fp32").predict(texts)
    windows = sum(result["windows"] for result in results)
    assert windows > 4  # the long text takes several
    assert runs["bf16@0", 4, True]["rechecked_windows_per_pass"] == 0 and runs["bf16@0", 4, True]["recheck_margin"] == 0
    assert runs["bf16@1", 4, True]["rechecked_windows_per_pass"] == windows
    assert runs["bf16@1", 1, False]["rechecked_windows_per_pass"] == 2  # batch 1: the first two texts, one window each
    assert runs["auto", 4, True]["resolved_precision"] in ("bf16", "fp32")
    assert result["meta"]["default_precision"] == "auto"
    shift = block["tag_shift"]
    assert 16 < shift["words"] < 16 + 150  # all words of the short texts, the long one cut to max_seq_len tokens
    assert 0 <= shift["p99_9"] <= shift["max"] < 0.5 and shift["texts"] == 4
    polarity = block["polarity_shift"]
    assert polarity["aspects"] == 33 and 0 <= polarity["p99_9"] <= polarity["max"] < 0.5
    assert 0 <= polarity["near_tie_aspects"] <= 33
    report = (out / "report.md").read_text()
    assert "| fp32 | 4 | yes |" in report and "bf16@0 vs fp32: 0 of 4 sentences extract other spans" in report
    assert "windows per batched pass tagged again in fp32 (recheck_margin 1.0)" in report
    assert "polarity probabilities of the 33 aspects fp32 extracts" in report
