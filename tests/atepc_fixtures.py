"""Tiny synthetic ATEPC data (sentences built here from the tiny vocabulary of conftest.py), written as PyABSA
``.atepc`` files (one copy of a sentence per aspect) or unified-tag files (``sentence####word=T-POS ...``), and an
ATEPC model whose tagger is set by hand (`tagging_model`)."""

import random

import torch

from hf_absa.models import ATEPC_TAGS, ATEPCModelForTokenClassification

POLARITIES = ["Negative", "Neutral", "Positive"]

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


def tagging_model(backbone_dir, tokenizer, begin=("battery", "screen"), inside=("life",),
                  atepc_model="fast_lcf_atepc", max_seq_len=40):
    """An ATEPC model on the tiny BERT that tags the tokens ``begin`` as B-ASP and ``inside`` as I-ASP, every other
    token O, whatever their context.

    The attention and feed-forward outputs are zeroed and the position / segment embeddings too, so a token's
    hidden state is the layer norm of its word embedding; those of the chosen tokens are one-hot (dimension 0 for
    B, 1 for I), which the tag head reads with a margin of ~30 logits. The polarity head stays random, scaled up by 3
    so that its probabilities are far from uniform and differ between aspects and contexts (not saturated either).
    """
    torch.manual_seed(0)
    model = ATEPCModelForTokenClassification.from_pretrained(
        backbone_dir, polarity_labels=POLARITIES, atepc_model=atepc_model, max_seq_len=max_seq_len
    )
    begin_id, inside_id = ATEPC_TAGS.index("B-ASP"), ATEPC_TAGS.index("I-ASP")
    with torch.no_grad():
        embeddings = model.backbone.embeddings
        embeddings.position_embeddings.weight.zero_()
        embeddings.token_type_embeddings.weight.zero_()
        for layer in model.backbone.encoder.layer:
            for dense in (layer.attention.output.dense, layer.output.dense):
                dense.weight.zero_()
                dense.bias.zero_()
        words = embeddings.word_embeddings.weight
        words[:, :2] = 0.0
        for tokens, dimension in ((begin, 0), (inside, 1)):
            for token_id in tokenizer.convert_tokens_to_ids(list(tokens)):
                words[token_id] = 0.0
                words[token_id, dimension] = 10.0
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        for tag, dimension in ((begin_id, 0), (inside_id, 1)):
            model.classifier.weight[tag, dimension] = 10.0
            model.classifier.bias[tag] = -25.0
        for name, parameter in model.named_parameters():
            if not name.startswith(("backbone.", "classifier.")) and parameter.dim() == 2:
                parameter.mul_(3.0)
    return model.eval()
