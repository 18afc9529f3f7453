"""Shared offline fixtures: a tiny random BERT and its word-piece tokenizer.

Everything here is built from a config and a small vocabulary, so unit tests
take seconds and never touch the network.
"""

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# The tiny test models do microsecond-sized matrix products, where a second OpenMP thread only adds
# synchronisation; on a busy machine its spin-waits made a 3,000-line prediction test 30x slower. Set before torch
# is imported (torch reads it once), and inherited by the command-line subprocesses the tests start.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = (REPO_ROOT.parent / "shared" / "datasets").resolve()

_WORDS = (
    "the a an and but is was were are it its this that very not too so of to in on for with "
    "battery life screen keyboard food service staff price prices waiter pizza wine menu laptop "
    "lasts forever dies fast good great bad terrible slow friendly rude cheap expensive "
    "delicious awful nice excellent poor quality sound speakers design , . ! ? ' - "
    "i we they love hate like really quite long short hours day night place atmosphere decor "
    "boot time windows mac os apple keys trackpad display bright dim loud quiet"
).split()


def build_tiny_vocab(directory: Path) -> Path:
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(_WORDS))
    tokens += ["##s", "##ed", "##ing", "##ly", "##er", "##y", "##e", "##a", "##o", "##i"]
    tokens += list("abcdefghijklmnopqrstuvwxyz0123456789")
    tokens += ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    seen, unique = set(), []
    for tok in tokens:
        if tok not in seen:
            seen.add(tok)
            unique.append(tok)
    path = directory / "vocab.txt"
    path.write_text("\n".join(unique) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_backbone_dir(tmp_path_factory) -> Path:
    """A folder holding a tiny random BertModel + tokenizer, loadable with from_pretrained."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    directory = tmp_path_factory.mktemp("tiny-bert")
    vocab = build_tiny_vocab(directory)
    tokenizer = BertTokenizer(vocab=str(vocab), do_lower_case=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_backbone_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_backbone_dir)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """../shared/datasets, or skip the test when the folder is absent."""
    if not (SHARED_DATASETS / "apc_datasets").is_dir():
        pytest.skip("../shared/datasets is not available")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def tiny_apc_checkpoint(tiny_backbone_dir, tiny_tokenizer, tmp_path_factory) -> Path:
    """A saved fast_lsa_t_v2 checkpoint (save mode 1) on the tiny BERT, for the prediction tests.

    The random head weights are scaled up so that predictions are confident and differ between inputs; with the
    initial near-zero logits every label would be a near tie.
    """
    import torch

    from apc_fixtures import build_model
    from hf_absa.training import export_checkpoint

    torch.manual_seed(0)
    model = build_model(tiny_backbone_dir, "fast_lsa_t_v2", max_seq_len=40)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if not name.startswith("backbone.") and parameter.dim() == 2:
                parameter.mul_(100.0)
    folder = tmp_path_factory.mktemp("apc-checkpoint")
    export_checkpoint(model, tiny_tokenizer, folder, mode=1)
    return folder


@pytest.fixture(scope="session")
def tiny_atepc_checkpoint(tiny_backbone_dir, tiny_tokenizer, tmp_path_factory) -> Path:
    """A saved ATEPC checkpoint (save mode 1) of `atepc_fixtures.tagging_model`: it extracts "battery life" and
    "screen" wherever they occur, whatever their context; its polarity head is random."""
    from atepc_fixtures import tagging_model
    from hf_absa.training import export_checkpoint

    model = tagging_model(tiny_backbone_dir, tiny_tokenizer)
    return export_checkpoint(model, tiny_tokenizer, tmp_path_factory.mktemp("atepc-checkpoint"), mode=1)



def _not_native() -> bool:
    return False


@pytest.fixture(scope="session", autouse=True)
def no_native_bf16():
    """The automatic precision (`hf_absa.hardware`) answers "no native bf16" for the whole session (module and
    session fixtures that train included), so that a default run trains and predicts in fp32 on every machine and
    the suite's exact figures do not depend on the CPU (on one with AVX512-BF16 or AMX the defaults would switch
    to bf16 autocast). Tests of the automatic choice patch the probe themselves; ``@pytest.mark.real_precision_probe``
    restores the real one for a test. Subprocesses see the real probe: those that compare figures pass
    ``--bf16 false`` / ``precision="fp32"``."""
    import hf_absa.hardware as hardware

    real = {name: getattr(hardware, name) for name in ("cpu_has_native_bf16", "cuda_has_native_bf16")}
    patch = pytest.MonkeyPatch()
    for name in real:
        patch.setattr(hardware, name, _not_native)
    yield real
    patch.undo()


@pytest.fixture(autouse=True)
def real_probe_when_marked(request, monkeypatch, no_native_bf16):
    if request.node.get_closest_marker("real_precision_probe"):
        import hf_absa.hardware as hardware

        for name, probe in no_native_bf16.items():
            monkeypatch.setattr(hardware, name, probe)
