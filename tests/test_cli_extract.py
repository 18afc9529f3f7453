"""`hf-absa extract`: a table per text, JSON equal to `AspectExtractor.predict`, the three sentiment modes, files into
JSON Lines with the main protocol's metrics and a progress bar, one-line errors with exit code 2.

The ATEPC checkpoint is the hand-set tagger of tests/atepc_fixtures.py ("battery life" and "screen" are aspects)."""

import json

import pytest

from atepc_fixtures import synthetic_sentences, write_atepc_file
from hf_absa import AspectExtractor
from hf_absa.cli import main
from test_cli import assert_one_line_error, help_entry, run_main

TEXTS = ["The battery life is great but the screen is dim", "i love this place"]


@pytest.fixture(scope="module")
def extractor(tiny_atepc_checkpoint):
    return AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu")


@pytest.fixture(scope="module")
def atepc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-extract-data") / "reviews.atepc"
    write_atepc_file(path, synthetic_sentences(10, seed=2))
    return path


@pytest.fixture
def extract(capsys, tiny_atepc_checkpoint):
    """Run ``hf-absa extract --model CHECKPOINT --device cpu ARGUMENTS``: (exit code, stdout, stderr)."""
    return lambda arguments: run_main(["extract", "--model", str(tiny_atepc_checkpoint), "--device", "cpu",
                                       *arguments], capsys)


def test_readable_output_is_a_table_per_text(extract, extractor):
    code, out, err = extract(TEXTS)
    assert code == 0, err
    first, second = out.strip().split("\n\n")
    sentence, header, *rows = first.splitlines()
    assert sentence == TEXTS[0] and header.split() == ["aspect", "label", "score", "start", "end"]
    expected = extractor.predict(TEXTS[0])["aspects"]
    assert [row.rsplit(None, 4) for row in rows] == [
        ["  " + aspect["aspect"], aspect["label"], f"{aspect['score']:.2f}", str(aspect["start"]), str(aspect["end"])]
        for aspect in expected]
    assert [aspect["aspect"] for aspect in expected] == ["battery life", "screen"]
    assert second.splitlines() == [TEXTS[1], "  (no aspect found)"]


def test_json_output_equals_the_extractor_in_each_mode(extract, extractor, tiny_atepc_checkpoint, tiny_apc_checkpoint):
    code, out, _ = extract(["--json", "--batch_size", "1", *TEXTS])
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == extractor.with_batch_size(1).predict(TEXTS)

    code, out, _ = extract(["--json", "--no_sentiment", *TEXTS])
    results = [json.loads(line) for line in out.splitlines()]
    assert results == extractor.predict(TEXTS, sentiment=False)
    assert results[0]["aspects"] and all("label" not in aspect for aspect in results[0]["aspects"])
    code, out, _ = extract(["--no_sentiment", TEXTS[0]])
    assert out.splitlines()[1].split() == ["aspect", "start", "end"]
    # A boolean flag takes a boolean value when one follows it, and otherwise leaves the next word a TEXT.
    code, out, _ = extract(["--no_sentiment", "false", "--json", TEXTS[0]])
    assert json.loads(out) == extractor.predict(TEXTS[0])
    # A TEXT that is itself a boolean word goes after "--".
    code, out, err = extract(["--json", "--", "no"])
    assert code == 0, err
    assert json.loads(out) == extractor.predict("no")

    code, out, _ = extract(["--json", "--sentiment_model", str(tiny_apc_checkpoint), TEXTS[0]])
    two_stage = AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu",
                                                sentiment_model=tiny_apc_checkpoint)
    assert json.loads(out) == two_stage.predict(TEXTS[0])


def test_an_annotated_file_gets_jsonl_metrics_and_a_progress_bar(extract, extractor, atepc_file, tmp_path):
    output = tmp_path / "aspects.jsonl"
    code, out, err = extract(["--input", str(atepc_file), "--output", str(output)])
    assert code == 0, err
    report = extractor.predict_file(atepc_file, tmp_path / "reference.jsonl")
    assert output.read_text(encoding="utf-8") == (tmp_path / "reference.jsonl").read_text(encoding="utf-8")
    assert f"10 texts, {report['aspects']} aspects extracted into {output} (fp32)" in out
    metrics = report["metrics"]
    ate_row = next(line for line in out.splitlines() if line.startswith("ATE"))
    assert ate_row.split()[1:] == [f"{metrics[f'ate_{name}']:.4f}" for name in ("precision", "recall", "f1")]
    assert any(line.startswith("E2E") for line in out.splitlines())
    assert f"APC on the gold aspects: accuracy {metrics['apc_accuracy']:.4f}" in out
    assert "Extracting reviews.atepc" in err  # the tqdm bar, on stderr
    assert " sentences/s" in err and "sentences/s" not in err.replace(" sentences/s", "")  # "12 sentences/s"

    code, out, _ = extract(["--json", "--input", str(atepc_file), "--output", str(output)])
    assert json.loads(out) == {**report, "output": str(output)}


def test_a_text_file_without_sentiment_prints_no_metrics(extract, tmp_path):
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    output = tmp_path / "aspects.jsonl"
    code, out, err = extract(["--no_sentiment", "--input", str(reviews), "--output", str(output)])
    assert code == 0, err
    assert out.strip() == f"2 texts, 2 aspects extracted into {output} (fp32)"
    assert [json.loads(line)["sentence"] for line in output.read_text(encoding="utf-8").splitlines()] == TEXTS
    # A file forced to be read as text: a line of an .atepc file is then one text.
    code, out, _ = extract(["--input_format", "text", "--input", str(reviews), "--output", str(output)])
    assert code == 0 and "gold aspects" not in out


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        ([], ["nothing to extract from", "--input FILE --output FILE.jsonl"]),
        (["--input", "x.txt", "some text"], ["either TEXT arguments or --input FILE"]),
        (["--output", "x.jsonl", "some text"], ["--input FILE and --output FILE.jsonl go together"]),
        (["--input_format", "text", "some text"], ["--input_format goes with --input FILE"]),
        (["--input_format", "csv", "--input", "x", "--output", "y"], ["--input_format", "csv"]),
        (["--no_sentiment", "--sentiment_model", "apc", "some text"], ["--no_sentiment and --sentiment_model"]),
        (["--precision", "fp16", "some text"], ["--precision", "fp16"]),
        (["--device", "tpu9", "some text"], ["device='tpu9' is not a torch device"]),
        (["--batch_size", "0", "some text"], ["batch_size must be an int >= 1"]),
        (["--recheck_margin", "2", "some text"], ["recheck_margin must be a probability gap between 0 and 1"]),
        ([""], ["TEXT argument 1 of 1 is empty"]),
        (["some text", "\t "], ["TEXT argument 2 of 2 is blank"]),
        # HfArgumentParser's convention: a boolean word after a boolean flag is its value; the error says so.
        (["--json", "no"], ["nothing to extract from", "'no' after --json was read as --json's value (--json no = "
                            "--json false)", "write '--json -- no' for a TEXT 'no'"]),
        (["--no_sentiment", "1"], ["'1' after --no_sentiment was read as --no_sentiment's value"]),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(extract, arguments, fragments):
    code, _, err = extract(arguments)
    assert_one_line_error(code, err, *fragments)


def test_model_and_file_errors(capsys, extract, tiny_apc_checkpoint, tmp_path):
    code, _, err = run_main(["extract", "some text"], capsys)
    assert_one_line_error(code, err, "--model")
    code, _, err = run_main(["extract", "--model", str(tmp_path / "nowhere"), "some text"], capsys)
    assert_one_line_error(code, err, "nowhere is not a folder")
    code, _, err = run_main(["extract", "--model", str(tiny_apc_checkpoint), "some text"], capsys)
    assert_one_line_error(code, err, "not an hf_absa ATEPC checkpoint")
    code, _, err = extract(["--sentiment_model", str(tmp_path / "nowhere"), "some text"])
    assert_one_line_error(code, err, "sentiment_model: ", "nowhere is not a folder")
    code, _, err = extract(["--input", str(tmp_path / "no.txt"), "--output", str(tmp_path / "out.jsonl")])
    assert_one_line_error(code, err, "no.txt is not a file")
    broken = tmp_path / "broken.atepc"
    broken.write_text("the O -100\nscreen B-ASP Positive\n\nbattery X-ASP Positive\n", encoding="utf-8")
    code, _, err = extract(["--input", str(broken), "--output", str(tmp_path / "out.jsonl")])
    # the progress bar had started (on a terminal it erases itself); the error is still one line
    without_progress = "\n".join(line for line in err.splitlines() if not line.startswith("Extracting broken"))
    assert_one_line_error(code, without_progress, "broken.atepc:4: the tag 'X-ASP'")
    assert not (tmp_path / "out.jsonl").exists()
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n\n", encoding="utf-8")
    code, _, err = extract(["--input", str(blank), "--output", str(tmp_path / "out.jsonl")])
    without_progress = "\n".join(line for line in err.splitlines() if not line.startswith("Extracting blank"))
    assert_one_line_error(code, without_progress, "blank.txt:1: the file has no text")
    assert not (tmp_path / "out.jsonl").exists()


def test_help_lists_the_flags(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["extract", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--input", "--output", "--input_format", "--json", "--sentiment_model", "--no_sentiment",
                 "--batch_size", "--device", "--precision", "--recheck_margin"):
        assert flag in out
    assert "put TEXT arguments after '--' ('--json -- no')" in " ".join(out.split())


def test_recheck_margin_reaches_the_extractor(extract, tiny_atepc_checkpoint):
    """bf16 with every text tagged again in fp32 (margin 1) extracts and classifies exactly what fp32 does."""
    fp32 = AspectExtractor.from_pretrained(tiny_atepc_checkpoint, device="cpu", precision="fp32").predict(TEXTS)
    code, out, err = extract(["--json", "--precision", "bf16", "--recheck_margin", "1", *TEXTS])
    assert code == 0, err
    results = [json.loads(line) for line in out.splitlines()]
    for result, reference in zip(results, fp32):
        assert [(a["start"], a["end"], a["label"]) for a in result["aspects"]] == \
            [(a["start"], a["end"], a["label"]) for a in reference["aspects"]]
        for aspect, other in zip(result["aspects"], reference["aspects"]):
            assert aspect["probabilities"] == pytest.approx(other["probabilities"], abs=1e-6)
