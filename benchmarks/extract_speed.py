#!/usr/bin/env python3
"""Aspect extraction speed: hf_absa's `AspectExtractor` against PyABSA 2.4.2's `AspectExtractor`, equivalent models.

For each dataset (Laptop14, Restaurant14) the texts are the raw test sentences of PyABSA's ``.atepc`` test file
(tokens joined by spaces, the per-aspect copies merged: the peer driver's inference set). Both sides train the same
model on the dataset's ``.atepc`` train file, one after the other, never at the same time: FAST_LCF_ATEPC on
all-MiniLM-L6-v2, ``--epochs``, max_seq_len 80, batch 16, learning rate 2e-5, seed 1, PyABSA's optimisation.

- hf_absa (this process): the checkpoint of ``hf-absa train --task atepc`` (or ``--checkpoint``), timed with
  `AspectExtractor` at batch 1 (one ``predict`` call per text, the first ``--single`` texts) and at batch
  ``--batch-size`` (one ``predict`` over every text), with and without sentiment, per ``--precisions``; the median
  of ``--repeats`` passes after a warm-up; loading is outside the timings. ``differing_sentences``: for each
  precision, the texts whose extracted spans (and, with sentiment, labels) differ from fp32's.
- PyABSA (``../shared/peer/pyabsa_atepc.py`` in its own virtualenv): it trains the equivalent model, reloads it with
  its `AspectExtractor` and times ``batch_predict`` (batch 32, with sentiment; the driver has no extraction-only
  pass) and ``predict`` on one text per call (the first ``--single`` texts).

Figures: ``sentences_per_s`` (texts / wall time) and ``aspects_per_s`` (aspects found / wall time). Writes
``<out>/extract_speed.json`` and ``<out>/report.md``, prints the JSON on one line; the runs of both sides are cached
in ``<out>`` (an interrupted run resumes).

    python benchmarks/extract_speed.py --out benchmarks/runs/extract-speed          # the measurement
    nice -n 10 python benchmarks/extract_speed.py --limit 20 --out /tmp/extract-smoke   # a smoke run, minutes
    python benchmarks/extract_speed.py --checkpoint runs/atepc --texts reviews=reviews.txt --no-peer --out /tmp/x

Precision: hf_absa trains its checkpoint in its default precision (``--train-precision auto``: bf16 autocast where
the hardware runs bf16 natively; ``bf16`` / ``fp32`` force it) and the JSON records what the training actually used
(``train_precision``, ``train_precision_source``, from the run's ``all_results.json``). `AspectExtractor` defaults
to ``auto`` (bf16 where native, its near-ties decided in fp32); ``--precisions`` must include fp32, the reference,
and every timed entry records the precision that ran (``resolved_precision``). PyABSA runs in fp32.

Each ``--precisions`` entry is a precision, optionally with `AspectExtractor`'s ``recheck_margin`` after an ``@``
(``bf16@0``: pure bf16, no fp32 recheck of near-ties; a bare ``bf16`` or ``auto`` keeps the library's default
margin). Every entry records ``recheck_margin`` and ``rechecked_windows_per_pass`` (windows tagged again in fp32 in
one batched pass), and each dataset ``tag_shift``: how far bf16 autocast moves the tag probabilities of the words
(first sub-tokens) from fp32's, in batches of ``--batch-size`` (``max``, ``p99_9``), and the share of words and
texts with a near-tie (two most probable tags within the default margin); ``polarity_shift`` the same for the
polarity probabilities of the aspects fp32 extracts.

``--limit N`` trains both sides on the first N sentences of each train file and times the first N test sentences
(copies of the files in ``<out>``): a check that everything runs, not a measurement.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from compare_pyabsa import cached_run, check_peer_out_dir, cpu_model, minilm_in, peer_venv_python
from hf_absa_apc import PRECISION_CHOICES, precision_flags, run_precision
from compare_pyabsa_atepc import (
    DATASETS,
    PEER_DRIVER,
    PYABSA_ATEPC_OPTIMISATION,
    SHARED,
    atepc_file_blocks,
    pyabsa_log_step,
)

HERE = Path(__file__).resolve().parent
# The equivalent model of both sides: PyABSA's name -> hf_absa's, and the shared training settings.
PEER_MODEL, HF_MODEL = "FAST_LCF_ATEPC", "fast_lcf_atepc"
TRAINING = {"batch-size": 16, "max-seq-len": 80, "learning-rate": 2e-5, "seed": 1}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--texts", nargs="+", default=[], metavar="NAME=FILE",
                        help="time these files instead of --datasets (text, .atepc or unified-tag files); needs "
                        "--checkpoint, no PyABSA side")
    parser.add_argument("--data-dir", default=str(SHARED / "datasets"), help="folder laid out like ABSADatasets")
    parser.add_argument("--checkpoint", default=None, help="an hf_absa ATEPC checkpoint (default: train one per "
                        "dataset, as PyABSA does)")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs of both sides")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16@0", "auto"],
                        help="hf_absa precisions timed (fp32, bf16, int8, auto), each optionally PRECISION@MARGIN "
                        "(AspectExtractor's recheck_margin; bf16@0 = pure bf16); fp32 is the reference of "
                        "differing_sentences")
    parser.add_argument("--train-precision", choices=PRECISION_CHOICES, default="auto",
                        help="precision of hf_absa's training run: auto (the library default, no flag), bf16 or fp32")
    parser.add_argument("--batch-size", type=int, default=32, help="the batched figure's batch size (both sides)")
    parser.add_argument("--single", type=int, default=50, help="texts timed one per call (batch 1), both sides")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the median is reported")
    parser.add_argument("--limit", type=int, default=None, help="smoke run: train and time on the first N sentences")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (both sides)")
    parser.add_argument("--no-peer", action="store_true", help="hf_absa only")
    parser.add_argument("--peer-venv", default=str(HERE.parent.parent / ".peer_venv"))
    parser.add_argument("--out", required=True, help="output folder; an existing one resumes")
    args = parser.parse_args(argv)
    if args.texts and not args.checkpoint:
        parser.error("--texts needs --checkpoint (there is no train file to train on)")
    if "fp32" not in args.precisions:
        parser.error("--precisions must include fp32, the reference of differing_sentences")
    for entry in args.precisions:
        try:
            precision_entry(entry)
        except ValueError as error:
            parser.error(f"--precisions {entry}: {error}")
    return args


def precision_entry(entry: str) -> tuple[str, dict]:
    """``"bf16@0"`` -> ("bf16", {"recheck_margin": 0.0}); ``"auto"`` -> ("auto", {}).

    >>> precision_entry("bf16@0"), precision_entry("auto")
    (('bf16', {'recheck_margin': 0.0}), ('auto', {}))
    """
    precision, _, margin = entry.partition("@")
    if not margin:
        return precision, {}
    try:
        return precision, {"recheck_margin": float(margin)}
    except ValueError:
        raise ValueError(f"expected PRECISION@MARGIN with a number after @, got {entry!r}") from None


def tag_shift(checkpoint: Path, texts: list[str], batch_size: int, device: str) -> dict:
    """How far bf16 autocast moves the tag probabilities of the words of ``texts`` from fp32's (batches of
    ``batch_size`` in text order, each text cut to the checkpoint's ``max_seq_len``), and how many words and texts
    hold a near-tie (their two most probable tags within `RECHECK_MARGIN`, in fp32)."""
    import numpy as np
    import torch
    from transformers import AutoModelForTokenClassification

    from hf_absa.data.atepc_readers import split_words
    from hf_absa.inference.extractor import RECHECK_MARGIN
    from hf_absa.training.atepc import load_word_tokenizer

    model = AutoModelForTokenClassification.from_pretrained(checkpoint).to(device).eval()
    tokenizer = load_word_tokenizer(checkpoint)
    shifts, near_words, near_texts, words_seen = [], 0, 0, 0
    for begin in range(0, len(texts), batch_size):
        words = [[text[a:b] for a, b in split_words(text)] for text in texts[begin:begin + batch_size]]
        encoding = tokenizer(words, is_split_into_words=True, truncation=True, max_length=model.config.max_seq_len,
                             padding=True, return_tensors="pt").to(device)
        with torch.inference_mode():
            probabilities = {}
            for precision in ("fp32", "bf16"):
                with torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16,
                                    enabled=precision == "bf16"):
                    _, logits = model.tag(**encoding)
                probabilities[precision] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        for row in range(len(words)):
            word_ids = encoding.word_ids(row)
            first = sorted({word: index for index, word in reversed(list(enumerate(word_ids)))
                            if word is not None}.values())
            fp32, bf16 = probabilities["fp32"][row, first], probabilities["bf16"][row, first]
            shifts.extend(np.abs(fp32 - bf16).max(axis=-1).tolist())
            top_two = np.sort(fp32, axis=-1)[:, -2:]
            near = int((top_two[:, 1] - top_two[:, 0] <= RECHECK_MARGIN).sum())
            near_words, near_texts, words_seen = near_words + near, near_texts + bool(near), words_seen + len(first)
    return {"words": words_seen, "max": round(float(np.max(shifts)), 5),
            "p99_9": round(float(np.quantile(shifts, 0.999)), 5), "margin": RECHECK_MARGIN,
            "near_tie_words": near_words, "near_tie_texts": near_texts, "texts": len(texts)}


def polarity_shift(checkpoint: Path, texts: list[str], batch_size: int, device: str) -> dict:
    """How far bf16 autocast moves the polarity probabilities of the aspects fp32 extracts from ``texts`` (the
    same aspects given to both, so the windows and batches are the same), and how many aspects hold a near-tie
    (their two most probable polarities within `RECHECK_MARGIN`, in fp32)."""
    import numpy as np

    from hf_absa import AspectExtractor
    from hf_absa.inference.extractor import RECHECK_MARGIN

    def extractor(precision: str, **settings) -> AspectExtractor:
        return AspectExtractor.from_pretrained(checkpoint, device=device, precision=precision, batch_size=batch_size,
                                               **settings)

    fp32 = extractor("fp32").predict(texts)
    given = [{"text": result["sentence"], "aspects": [(aspect["start"], aspect["end"]) for aspect in result["aspects"]]}
             for result in fp32]
    bf16 = extractor("bf16", recheck_margin=0).predict(given)
    shifts, near = [], 0
    for reference, result in zip(fp32, bf16):
        for aspect, other in zip(reference["aspects"], result["aspects"]):
            labels = sorted(aspect["probabilities"])
            first = np.array([aspect["probabilities"][label] for label in labels])
            second = np.array([other["probabilities"][label] for label in labels])
            shifts.append(float(np.abs(first - second).max()))
            top_two = np.sort(first)[-2:]
            near += bool(top_two[1] - top_two[0] <= RECHECK_MARGIN)
    return {"aspects": len(shifts), "max": round(max(shifts, default=0.0), 5),
            "p99_9": round(float(np.quantile(shifts, 0.999)) if shifts else 0.0, 5), "margin": RECHECK_MARGIN,
            "near_tie_aspects": near}


def split_file(folder: Path, split: str) -> Path:
    """The one ``*<split>*.atepc`` file of ``folder`` (`atepc_file_blocks` has checked there is exactly one)."""
    atepc_file_blocks(folder, split)
    return next(path for path in folder.iterdir() if split in path.name.lower() and path.name.endswith(".atepc"))


def trimmed_copy(source: Path, target: Path, sentences: int) -> Path:
    """``target`` holding the train and test ``.atepc`` files of ``source`` cut to their first ``sentences``
    sentences (a sentence: consecutive blocks with the same words)."""
    target.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        path = split_file(source, split)
        blocks, block = [], []
        for line in path.read_text(encoding="utf-8").splitlines() + [""]:
            if line.strip():
                block.append(line)
            elif block:
                blocks.append(block)
                block = []
        kept, count, previous = [], 0, None
        for block in blocks:
            words = [line.split()[0] for line in block]
            if words != previous:
                count, previous = count + 1, words
            if count > sentences:
                break
            kept.append("\n".join(block))
        (target / path.name).write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    return target


def texts_of(path: Path, limit: int | None) -> list[str]:
    """The texts of a file as hf_absa's ``predict_file`` reads it: the sentences of an ``.atepc`` or unified-tag
    file, the lines of a text file."""
    from hf_absa.data.atepc_readers import iter_extraction_file

    texts = [item if isinstance(item, str) else item["text"] for item in iter_extraction_file(path)]
    return texts[:limit] if limit else texts


def train_checkpoint(folder: Path, output_dir: Path, args: argparse.Namespace) -> Path:
    """hf_absa's side of the equivalent model, trained on ``folder``'s train file (reused when already there)."""
    if (output_dir / "config.json").exists():
        print(f"reusing {output_dir}", file=sys.stderr)
        return output_dir
    command = [
        sys.executable, "-m", "hf_absa", "train", "--task", "atepc", "--dataset", str(folder),
        "--architecture", HF_MODEL, "--max_seq_len", str(TRAINING["max-seq-len"]),
        "--num_train_epochs", str(args.epochs), "--per_device_train_batch_size", str(TRAINING["batch-size"]),
        "--learning_rate", str(TRAINING["learning-rate"]), "--seed", str(TRAINING["seed"]),
        "--validation_fraction", "0", "--eval_strategy", "no", "--save_strategy", "no",
        "--load_best_model_at_end", "false", "--disable_tqdm", "true", "--dataloader_num_workers", "0",
        "--output_dir", str(output_dir), *PYABSA_ATEPC_OPTIMISATION,
        *precision_flags(getattr(args, "train_precision", "auto")),
    ]
    if args.device == "cpu":
        command.append("--use_cpu")
    with open(output_dir.parent / f"{output_dir.name}.log", "w", encoding="utf-8") as log:
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=True)
    return output_dir


def median_pass(run, repeats: int) -> tuple[float, list[dict]]:
    """(median wall seconds of ``repeats`` calls of ``run``, the last call's results)."""
    walls, results = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        results = run()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls), results


def time_hf_absa(checkpoint: Path, texts: list[str], args: argparse.Namespace) -> dict:
    """hf_absa's figures on ``texts``: one entry per (precision, batch, sentiment), and the differences from fp32."""
    from hf_absa import AspectExtractor

    runs, outputs = [], {}
    for entry in args.precisions:
        precision, settings = precision_entry(entry)
        extractor = AspectExtractor.from_pretrained(checkpoint, device=args.device, precision=precision, **settings)
        resolved = extractor.precision  # what runs ("auto" resolves to "bf16" or "fp32")
        extractor.predict(texts[:8])  # warm-up: first-call allocations, oneDNN primitives
        batched, single = extractor.with_batch_size(args.batch_size), extractor.with_batch_size(1)
        for sentiment in (False, True):
            for batch_size, subset, run in (
                (args.batch_size, texts, lambda: batched.predict(texts, sentiment=sentiment)),
                (1, texts[:args.single], lambda: [single.predict(text, sentiment=sentiment)
                                                  for text in texts[:args.single]]),
            ):
                rechecked_before = extractor.rechecked_windows
                wall, results = median_pass(run, args.repeats)
                aspects = sum(len(result["aspects"]) for result in results)
                rechecked = (extractor.rechecked_windows - rechecked_before) / args.repeats
                runs.append({"precision": entry, "resolved_precision": resolved, "batch_size": batch_size,
                             "sentiment": sentiment, "recheck_margin": extractor.recheck_margin,
                             "rechecked_windows_per_pass": rechecked,
                             "sentences": len(subset), "aspects": aspects, "wall_s": round(wall, 4),
                             "sentences_per_s": round(len(subset) / wall, 2),
                             "aspects_per_s": round(aspects / wall, 2)})
                if batch_size == args.batch_size:
                    outputs[entry, sentiment] = results
        del extractor, batched, single
    differing = {}
    for precision in args.precisions:
        if precision == "fp32":
            continue
        spans = [sum(_spans(a) != _spans(b) for a, b in zip(outputs[precision, sentiment], outputs["fp32", sentiment]))
                 for sentiment in (False, True)]
        labels = sum(_labels(a) != _labels(b) for a, b in zip(outputs[precision, True], outputs["fp32", True]))
        differing[precision] = {"extraction": spans[0], "extraction_with_sentiment": spans[1],
                                "extraction_or_label": labels}
    return {"runs": runs, "differing_sentences": differing}


def _spans(result: dict) -> list[tuple[int, int]]:
    return [(aspect["start"], aspect["end"]) for aspect in result["aspects"]]


def _labels(result: dict) -> list[tuple[int, int, str]]:
    return [(aspect["start"], aspect["end"], aspect.get("label")) for aspect in result["aspects"]]


def peer_figures(run: dict) -> dict:
    """PyABSA's figures in this script's names (its batch-1 pass reports no aspect count)."""
    wall = run.get("infer_wall_s")
    return {
        "sentences": run.get("infer_sentences"),
        "batch_sentences_per_s": run.get("infer_sentences_per_s"),
        "batch_aspects_per_s": round(run["infer_aspects_found"] / wall, 2) if wall else None,
        "single_sentences_per_s": run.get("infer_single_sentences_per_s"),
        "aspects": run.get("infer_aspects_found"),
        "ate_f1": run.get("infer_ate_f1"),
    }


def report(result: dict) -> str:
    """The Markdown tables of ``result``: per dataset, hf_absa's figures beside PyABSA's, and the differences."""
    meta = result["meta"]
    lines = [f"Run {meta['date']} on {meta['cpu']} ({meta['cores']} cores, torch threads {meta['threads']}, device "
             f"{meta['device']}), command `{meta['command']}`. Default precision of `AspectExtractor`: "
             f"{meta['default_precision']}.", ""]
    for name, block in result["datasets"].items():
        peer = block.get("pyabsa") or {}
        trained = block.get("train_precision")  # absent in results written before automatic precision
        source = f" ({block['train_precision_source']})" if block.get("train_precision_source") else ""
        lines += [f"#### {name} ({block['sentences']} test sentences)", "",
                  *([f"hf_absa's checkpoint trained in {trained}{source}.", ""] if trained else []),
                  "| precision | batch | sentiment | hf_absa sentences/s | hf_absa aspects/s | PyABSA sentences/s "
                  "| PyABSA aspects/s | hf_absa / PyABSA |", "|---|---|---|---|---|---|---|---|"]
        for run in block["hf_absa"]["runs"]:
            batched = run["batch_size"] > 1
            peer_rate = (peer.get("batch_sentences_per_s") if batched else peer.get("single_sentences_per_s")) \
                if run["sentiment"] else None
            peer_aspects = peer.get("batch_aspects_per_s") if batched and run["sentiment"] else None
            ratio = f"{run['sentences_per_s'] / peer_rate:.2f}×" if peer_rate else "–"
            shown = run["precision"]
            if run.get("resolved_precision") and run["resolved_precision"] != shown:
                shown += f" → {run['resolved_precision']}"
            lines.append(f"| {shown} | {run['batch_size']} | {'yes' if run['sentiment'] else 'no'} | "
                         f"{run['sentences_per_s']:.1f} | {run['aspects_per_s']:.1f} | "
                         f"{'–' if peer_rate is None else f'{peer_rate:.1f}'} | "
                         f"{'–' if peer_aspects is None else f'{peer_aspects:.1f}'} | {ratio} |")
        for run in block["hf_absa"]["runs"]:
            if run.get("rechecked_windows_per_pass") and run["batch_size"] > 1 and run["sentiment"]:
                lines.append(f"\n{run['precision']}: {run['rechecked_windows_per_pass']:g} windows per batched pass "
                             f"tagged again in fp32 (recheck_margin {run['recheck_margin']}).")
        for precision, counts in block["hf_absa"]["differing_sentences"].items():
            lines.append(f"\n{precision} vs fp32: {counts['extraction']} of {block['sentences']} sentences extract "
                         f"other spans ({counts['extraction_or_label']} other spans or labels with sentiment).")
        shift = block.get("tag_shift")
        if shift:
            lines.append(f"\nbf16 autocast vs fp32, tag probabilities of {shift['words']} words (batches of "
                         f"{shift['batch_size']}): largest shift {shift['max']}, 99.9th percentile {shift['p99_9']}; "
                         f"{shift['near_tie_words']} words in {shift['near_tie_texts']} of {shift['texts']} texts "
                         f"have their two most probable tags within {shift['margin']} (fp32).")
        shift = block.get("polarity_shift")
        if shift:
            lines.append(f"\nbf16 autocast vs fp32, polarity probabilities of the {shift['aspects']} aspects fp32 "
                         f"extracts (given to both): largest shift {shift['max']}, 99.9th percentile "
                         f"{shift['p99_9']}; {shift['near_tie_aspects']} aspects have their two most probable "
                         f"polarities within {shift['margin']} (fp32).")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> dict:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from hf_absa import AspectExtractor

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out).resolve()
    if not args.no_peer:
        check_peer_out_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    inputs = {}  # name -> (texts file, .atepc folder to train on or None)
    for spec in args.texts:
        name, _, path = spec.partition("=")
        inputs[name] = (Path(path), None)
    if not args.texts:
        for name in args.datasets:
            folder = Path(args.data_dir).resolve() / DATASETS[name][0]
            if args.limit:
                folder = trimmed_copy(folder, out / f"data-{name}", args.limit)
            inputs[name] = (split_file(folder, "test"), folder)

    datasets = {}
    for name, (texts_file, folder) in inputs.items():
        texts = texts_of(texts_file, args.limit)
        checkpoint = Path(args.checkpoint) if args.checkpoint else train_checkpoint(folder, out / f"hf-{name}", args)
        trained = run_precision(checkpoint)  # None for a --checkpoint trained elsewhere without all_results.json
        block = {"sentences": len(texts), "checkpoint": str(checkpoint),
                 "train_precision": trained["precision"], "train_precision_source": trained["precision_source"],
                 "hf_absa": time_hf_absa(checkpoint, texts, args),
                 "tag_shift": {**tag_shift(checkpoint, texts, args.batch_size, args.device),
                               "batch_size": args.batch_size},
                 "polarity_shift": {**polarity_shift(checkpoint, texts, args.batch_size, args.device),
                                    "batch_size": args.batch_size}}
        if folder is not None and not args.no_peer:
            venv = Path(args.peer_venv).resolve()
            command = [
                str(peer_venv_python(venv)), str(PEER_DRIVER), "--model", PEER_MODEL, "--dataset-dir", str(folder),
                "--backbone", str(minilm_in(venv)), "--epochs", str(args.epochs),
                "--log-step", str(pyabsa_log_step(atepc_file_blocks(folder), TRAINING["batch-size"])),
                "--infer-batch-size", str(args.batch_size), "--infer-repeats", str(args.repeats),
                "--infer-single", str(args.single), "--out-dir", str(out / f"pyabsa-{name}"),
                *(f"--{key}={value}" for key, value in TRAINING.items()),
                *(["--threads", str(args.threads)] if args.threads else []),
            ]
            block["pyabsa"] = peer_figures(cached_run(out / f"pyabsa-{name}.json", command, out / f"pyabsa-{name}.log",
                                                      cwd=out))
        datasets[name] = block

    result = {
        "meta": {
            "date": datetime.date.today().isoformat(),
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "threads": torch.get_num_threads(),
            "device": args.device,
            "torch": torch.__version__,
            "default_precision": inspect.signature(AspectExtractor).parameters["precision"].default,
            "command": "python benchmarks/extract_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        },
        "datasets": datasets,
    }
    (out / "extract_speed.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report(result), encoding="utf-8")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
