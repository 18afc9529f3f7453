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
         "--texts", f"tiny={reviews}", "--no-peer", "--precisions", "fp32", "bf16", "--batch-size", "4",
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
    assert set(runs) == {(precision, batch, sentiment) for precision in ("fp32", "bf16") for batch in (4, 1)
                         for sentiment in (False, True)}
    # The hand-set tagger finds "battery life" and "screen": 2 + 0 + 1 + 30 aspects, 2 in the first two texts.
    assert runs["fp32", 4, True]["aspects"] == 33 and runs["fp32", 1, False]["aspects"] == 2
    assert all(run["sentences_per_s"] > 0 and run["aspects_per_s"] > 0 for run in runs.values())
    assert block["hf_absa"]["differing_sentences"]["bf16"]["extraction"] == 0  # the margins are wide
    assert result["meta"]["default_precision"] == "fp32"
    report = (out / "report.md").read_text()
    assert "| fp32 | 4 | yes |" in report and "bf16 vs fp32: 0 of 4 sentences extract other spans" in report
