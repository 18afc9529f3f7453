"""Tiny synthetic ATEPC data (sentences built here from the tiny vocabulary of conftest.py), written as PyABSA
``.atepc`` files (one copy of a sentence per aspect) or unified-tag files (``sentence####word=T-POS ...``)."""

import random

ASPECTS = (("battery", "life"), ("screen",), ("keyboard",), ("food",), ("service",), ("staff",), ("wine", "menu"))
POSITIVE = ("good", "great", "nice", "excellent", "delicious")
NEGATIVE = ("bad", "terrible", "awful", "poor", "slow")
FILLERS = (("we", "love", "this", "place"), ("it", "was", "a", "long", "day"), ("i", "like", "it"))


def synthetic_sentences(n: int, seed: int = 0) -> list[list[tuple[str, str, str | None]]]:
    """``n`` sentences as (word, IOB tag, polarity or None) triples: one or two aspects with a sentiment word
    each, or no aspect at all (every fourth sentence)."""
    rng = random.Random(seed)
    sentences = []
    for index in range(n):
        if index % 4 == 3:
            sentences.append([(word, "O", None) for word in rng.choice(FILLERS)])
            continue
        words: list[tuple[str, str, str | None]] = []
        for part, aspect in enumerate(rng.sample(ASPECTS, 1 + index % 2)):
            polarity = rng.choice(("Positive", "Negative"))
            if part:
                words.append(("but", "O", None))
            words.append(("the", "O", None))
            words += [(word, "B-ASP" if i == 0 else "I-ASP", polarity) for i, word in enumerate(aspect)]
            words += [("is", "O", None), (rng.choice(POSITIVE if polarity == "Positive" else NEGATIVE), "O", None)]
        sentences.append(words)
    return sentences


def write_atepc_file(path, sentences) -> None:
    """PyABSA's layout: one copy of each sentence per aspect, every aspect tagged, the polarity on the copy's
    focus aspect and -100 elsewhere; aspect-free sentences written once."""
    blocks = []
    for words in sentences:
        starts = [i for i, (_, tag, _) in enumerate(words) if tag == "B-ASP"]
        for focus in starts or [None]:
            lines = []
            inside = False
            for i, (word, tag, polarity) in enumerate(words):
                inside = i == focus or (inside and tag == "I-ASP")
                lines.append(f"{word} {tag} {polarity if inside and polarity else '-100'}")
            blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def write_unified_tag_file(path, sentences) -> None:
    """``sentence####word=TAG ...`` with T-POS / T-NEG / O tags (Li et al. 2019)."""
    short = {"Positive": "POS", "Negative": "NEG"}
    lines = []
    for words in sentences:
        text = " ".join(word for word, _, _ in words)
        tags = " ".join(f"{word}={'O' if tag == 'O' else 'T-' + short[polarity]}" for word, tag, polarity in words)
        lines.append(f"{text}####{tags}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_atepc_dataset_folder(folder, n_train: int = 32, n_test: int = 12, seed: int = 0):
    """A folder with ``tiny.train.atepc`` and ``tiny.test.atepc`` (no validation split)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atepc_file(folder / "tiny.train.atepc", synthetic_sentences(n_train, seed))
    write_atepc_file(folder / "tiny.test.atepc", synthetic_sentences(n_test, seed + 1))
    return folder
