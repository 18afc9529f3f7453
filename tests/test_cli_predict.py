"""`hf-absa predict`: readable and JSON output, batch files with a metrics table, one-line errors with exit code 2."""

import json

import pytest

from hf_absa.cli import main
from test_cli import assert_one_line_error, help_entry, run_main


@pytest.fixture(scope="module")
def labelled_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-predict") / "reviews.inference"
    path.write_text("the [B-ASP]food[E-ASP] is good but the [B-ASP]wine[E-ASP] is bad $LABEL$ Positive, Negative\n"
                    "the [B-ASP]staff[E-ASP] is rude $LABEL$ Negative\n", encoding="utf-8")
    return path


def test_readable_output_for_texts(capsys, tiny_apc_checkpoint):
    texts = ["The [B-ASP]battery[E-ASP] dies fast", "nice [B-ASP]staff[E-ASP] and [B-ASP]food[E-ASP]"]
    code, out, err = run_main(["predict", "--model", str(tiny_apc_checkpoint), "--device", "cpu", *texts], capsys)
    assert code == 0, err
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    sentence, aspect_line = blocks[0].splitlines()
    assert sentence == "The battery dies fast"
    name, label, confidence = aspect_line.split()
    assert name == "battery" and label in {"Negative", "Neutral", "Positive"} and 0 <= float(confidence) <= 1
    assert [line.split()[0] for line in blocks[1].splitlines()[1:]] == ["staff", "food"]


def test_json_output_for_texts(capsys, tiny_apc_checkpoint):
    code, out, _ = run_main(["predict", "--model", str(tiny_apc_checkpoint), "--device", "cpu", "--json",
                             "--precision", "int8", "--batch_size", "1", "The [B-ASP]battery[E-ASP] dies fast"], capsys)
    assert code == 0
    (result,) = [json.loads(line) for line in out.splitlines()]
    assert result["sentence"] == "The battery dies fast"
    assert result["aspects"][0]["aspect"] == "battery" and set(result["aspects"][0]["probabilities"]) == {
        "Negative", "Neutral", "Positive"}


def test_input_file_writes_jsonl_prints_metrics_and_shows_progress(capsys, tiny_apc_checkpoint, labelled_file,
                                                                  tmp_path):
    output = tmp_path / "predictions.jsonl"
    code, out, err = run_main(["predict", "--model", str(tiny_apc_checkpoint), "--device", "cpu",
                               "--input", str(labelled_file), "--output", str(output)], capsys)
    assert code == 0, err
    assert len(output.read_text(encoding="utf-8").splitlines()) == 2
    assert f"2 sentences, 3 aspects predicted into {output}" in out
    for fragment in ("accuracy", "macro-F1", "precision", "recall", "support", "confusion matrix"):
        assert fragment in out
    assert "Predicting reviews.inference" in err  # the tqdm bar, on stderr

    code, out, _ = run_main(["predict", "--model", str(tiny_apc_checkpoint), "--device", "cpu", "--json",
                             "--input", str(labelled_file), "--output", str(output)], capsys)
    report = json.loads(out)
    assert report["labelled"] == 3 and len(report["metrics"]["confusion_matrix"]) == 3


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        (["The battery dies fast"], ["no aspect is marked", "[B-ASP]aspect[E-ASP]"]),
        (["The [B-ASP]battery dies fast"], ["never closed"]),
        ([], ["nothing to predict"]),
        (["--output", "x.jsonl", "The [B-ASP]battery[E-ASP] dies"], ["--input FILE and --output FILE.jsonl"]),
        (["--precision", "fp16", "The [B-ASP]battery[E-ASP] dies"], ["--precision", "fp16"]),
        (["--device", "tpu9", "The [B-ASP]battery[E-ASP] dies"], ["device='tpu9' is not a torch device"]),
        (["--batch_size", "0", "The [B-ASP]battery[E-ASP] dies"], ["batch_size must be an int >= 1"]),
        ([""], ["TEXT argument 1 of 1 is empty"]),
        (["The [B-ASP]battery[E-ASP] dies", " "], ["TEXT argument 2 of 2 is blank"]),
        # HfArgumentParser's convention: a boolean word after a boolean flag is its value; the error says so.
        (["--json", "no"], ["nothing to predict", "'no' after --json was read as --json's value", "--json -- no"]),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, tiny_apc_checkpoint, arguments, fragments):
    code, _, err = run_main(["predict", "--model", str(tiny_apc_checkpoint), *arguments], capsys)
    assert_one_line_error(code, err, *fragments)


def test_model_and_file_errors(capsys, tmp_path, labelled_file, tiny_apc_checkpoint):
    code, _, err = run_main(["predict", "The [B-ASP]battery[E-ASP] dies"], capsys)
    assert_one_line_error(code, err, "--model")
    code, _, err = run_main(["predict", "--model", str(tmp_path / "nowhere"), "The [B-ASP]battery[E-ASP] dies"],
                            capsys)
    assert_one_line_error(code, err, "nowhere is not a folder")
    code, _, err = run_main(["predict", "--model", str(tiny_apc_checkpoint), "--input", str(tmp_path / "no.inference"),
                             "--output", str(tmp_path / "out.jsonl")], capsys)
    assert_one_line_error(code, err, "no.inference is not a file")
    broken = tmp_path / "broken.inference"
    broken.write_text("the [B-ASP]food[E-ASP] is good\nno marker here\n", encoding="utf-8")
    code, _, err = run_main(["predict", "--model", str(tiny_apc_checkpoint), "--input", str(broken),
                             "--output", str(tmp_path / "out.jsonl")], capsys)
    # The error comes before the first result, so no progress bar was started: stderr is the one line.
    assert "Predicting broken" not in err
    assert_one_line_error(code, err, "broken.inference:2: no aspect is marked")
    assert not (tmp_path / "out.jsonl").exists()


def test_help_lists_the_flags(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--input", "--output", "--json", "--batch_size", "--device", "--precision", "--compile"):
        assert flag in out
    # How a boolean flag reads the word after it, and the default --device states instead of None.
    assert "put TEXT arguments after '--' ('--json -- no')" in " ".join(out.split())
    assert help_entry(out, "--device").endswith("(default: cuda when available).")
