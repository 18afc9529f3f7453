"""Model settings are declared once (`APC_MODEL_SETTINGS`); flags, config, from_pretrained and the card follow it."""

import inspect
import json

import pytest
import torch

from hf_absa.cli import main
from hf_absa.commands import train
from hf_absa.models import APC_MODEL_SETTINGS, APCConfig, APCModelForSequenceClassification
from hf_absa.models.configuration_apc import APC_MODELS, SPC_MODELS, settings_read_by
from hf_absa.training.apc import APCModelArguments
from hf_absa.training.model_card import APCModelCardData

LABELS = ["Negative", "Neutral", "Positive"]


def test_config_defaults_are_the_table_defaults():
    parameters = inspect.signature(APCConfig.__init__).parameters
    for setting in APC_MODEL_SETTINGS:
        assert parameters[setting.name].default == setting.default, setting.name
    assert APCConfig().model_settings() == {setting.name: setting.default for setting in APC_MODEL_SETTINGS}


def test_every_setting_is_a_train_flag_with_the_table_default_and_help():
    parser = train.make_parser()
    actions = {}
    for action in parser._actions:
        actions.setdefault(action.dest, action)  # not the `--no_<flag>` complement of a boolean
    for setting in APC_MODEL_SETTINGS:
        action = actions[setting.name]
        assert action.default == setting.default, setting.name
        assert action.help == setting.help, setting.name
        for alias in setting.aliases:
            assert f"--{alias}" in action.option_strings, (setting.name, alias)
    _, model_args, _, _ = train.parse(["--architecture", "fast_lcf_bert", "--SRD", "5", "--backbone", "some/bert",
                                       "--no_use_bert_spc", "--output_dir", "unused"])
    assert (model_args.apc_model, model_args.srd, model_args.model_name_or_path, model_args.use_bert_spc) == (
        "fast_lcf_bert", 5, "some/bert", False)


def test_default_architecture_is_the_same_everywhere():
    default = next(s.default for s in APC_MODEL_SETTINGS if s.name == "apc_model")
    assert APCConfig().apc_model == APCModelArguments().apc_model == default == "bert_spc"


def test_from_pretrained_accepts_every_setting(tiny_backbone_dir):
    values = {"apc_model": "fast_lcf_bert", "max_seq_len": 40, "lcf": "fusion", "srd": 2, "window": "l", "eta": 0.5,
              "lsa": False, "use_bert_spc": False, "dropout": 0.1, "sigma": 0.5, "spacy_model": "my_pipeline", "dlcf_a": 3.0,
              "dca_p": 2.0, "dca_layer": 2,
              "ensemble_models": None,
              "ensemble_mode": "cat",
              "deep_ensemble": False}
    assert set(values) == {setting.name for setting in APC_MODEL_SETTINGS}
    model = APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS, **values)
    assert model.config.model_settings() == values
    ensemble = {**values, "apc_model": "ensemble", "ensemble_models": ["fast_lcf_bert", "bert_spc"],
                "ensemble_mode": "mean", "deep_ensemble": True}
    model = APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS, **ensemble)
    assert model.config.model_settings() == ensemble
    assert [member.config.apc_model for member in model.members] == ["fast_lcf_bert", "bert_spc"]


def test_checkpoints_written_with_the_old_srd_key_still_load(tmp_path, tiny_backbone_dir):
    model = APCModelForSequenceClassification.from_pretrained(tiny_backbone_dir, labels=LABELS, srd=6)
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["srd"] == 6 and "SRD" not in config
    config["SRD"] = config.pop("srd")  # as hf_absa 0.1.0 wrote it
    (tmp_path / "config.json").write_text(json.dumps(config))
    reloaded = APCModelForSequenceClassification.from_pretrained(tmp_path)
    assert reloaded.config.srd == 6 and reloaded.config.SRD == 6


def test_card_lists_the_settings_its_architecture_reads_and_keeps_the_checkpoint_version(tmp_path):
    settings = {setting.name: setting.default for setting in APC_MODEL_SETTINGS if setting.name != "srd"}
    config = {**settings, "apc_model": "fast_lcf_bert", "id2label": {"0": "Negative", "1": "Positive"},
              "hf_absa_version": "0.0.9", "SRD": 4}
    card = APCModelCardData.from_parts(config, {}, {}, model_id="me/model")
    assert list(card.model_hyperparameters) == list(settings_read_by("fast_lcf_bert"))
    assert card.model_hyperparameters["srd"] == 4  # the old key, under its current name
    text = card.render()
    assert "hf_absa 0.0.9" in text and "| use_bert_spc | True |" in text
    assert "| sigma |" not in text and "| window |" not in text and "| ensemble_mode |" not in text
    spc = APCModelCardData.from_parts({**config, "apc_model": "bert_spc"}, {}, {}, model_id="me/model")
    assert set(spc.model_hyperparameters) == {"apc_model", "max_seq_len", "lsa", "dropout"}
    with_lsa = APCModelCardData.from_parts({**config, "apc_model": "bert_spc", "lsa": True}, {}, {}, model_id="m")
    assert {"window", "eta"} <= set(with_lsa.model_hyperparameters)
    ensemble = APCModelCardData.from_parts(
        {**config, "apc_model": "ensemble", "ensemble_models": ["bert_spc", "lca_bert"]}, {}, {}, model_id="m"
    )
    assert {"sigma", "srd", "ensemble_models", "ensemble_mode"} <= set(ensemble.model_hyperparameters)
    assert "window" not in ensemble.model_hyperparameters


def test_atepc_card_lists_lcf_and_srd_for_the_lcf_heads_only():
    from hf_absa.training.atepc_model_card import ATEPCModelCardData

    config = {"id2label": {"0": "O", "1": "B-ASP", "2": "I-ASP"}, "lcf": "cdm", "srd": 5, "dropout": 0.1,
              "max_seq_len": 80, "polarity_loss_weight": 1.0, "boundary_loss": True}
    plain = ATEPCModelCardData.from_parts({**config, "atepc_model": "bert_base_atepc"}, {}, {}, model_id="m")
    lcf = ATEPCModelCardData.from_parts({**config, "atepc_model": "fast_lcf_atepc"}, {}, {}, model_id="m")
    assert "srd" not in plain.model_hyperparameters and "lcf" not in plain.model_hyperparameters
    assert lcf.model_hyperparameters["srd"] == 5 and lcf.model_hyperparameters["lcf"] == "cdm"
    assert plain.model_hyperparameters["dropout"] == 0.1


# A value other than the default for each setting the model reads in forward (the processor's: below).
MODEL_SIDE_ALTERNATIVES = {"lcf": "cdm", "window": "l", "eta": 0.3, "use_bert_spc": False, "dropout": 0.3,
                           "sigma": 0.7, "dca_p": 2.0, "dca_layer": 1}


@pytest.fixture(scope="module")
def backbone_dict(tiny_backbone_dir) -> dict:
    from transformers import AutoConfig

    return {**AutoConfig.from_pretrained(tiny_backbone_dir).to_dict(), "initializer_range": 0.3}


def training_forward(backbone_dict: dict, apc_model: str, batch: dict, **settings):
    """(parameter names and shapes, loss, logits) of a fresh model, forward in training mode (dropout on) from
    a fixed seed."""
    torch.manual_seed(0)
    config = APCConfig(backbone_config=backbone_dict, apc_model=apc_model, labels=LABELS,
                       **{"dropout": 0.1, **settings})
    model = APCModelForSequenceClassification(config).train()
    torch.manual_seed(1)
    output = model(**batch)
    shapes = {name: tuple(parameter.shape) for name, parameter in model.named_parameters()}
    return shapes, output.loss, output.logits


@pytest.mark.parametrize(("apc_model", "base"), [(name, {}) for name in APC_MODELS]
                         + [(name, {"lsa": True}) for name in SPC_MODELS])
def test_a_model_setting_changes_the_model_exactly_when_the_card_lists_it(apc_model, base, backbone_dict):
    from test_models import make_batch

    batch = make_batch(backbone_dict["vocab_size"])
    reference = training_forward(backbone_dict, apc_model, batch, **base)
    read = settings_read_by(apc_model, lsa=base.get("lsa", False))
    for name, value in MODEL_SIDE_ALTERNATIVES.items():
        changed = training_forward(backbone_dict, apc_model, batch, **base, **{name: value})
        same = changed[0] == reference[0] and all(torch.equal(a, b) for a, b in zip(changed[1:], reference[1:]))
        assert same != (name in read), (apc_model, name, "listed" if name in read else "not listed")


@pytest.mark.parametrize("apc_model", APC_MODELS)
def test_a_processor_setting_changes_the_inputs_exactly_when_the_card_lists_it(apc_model, tiny_tokenizer):
    pytest.importorskip("spacy")
    from apc_fixtures import synthetic_rows
    from hf_absa.data.loading import load_apc_dataset
    from hf_absa.data.processing import APCProcessor
    from test_syntax_models import chain_parser

    raw = load_apc_dataset(synthetic_rows(6, seed=3))

    def features(**settings):
        config = APCConfig(apc_model=apc_model, labels=LABELS, **settings)
        processor = APCProcessor(tiny_tokenizer, **{**config.processor_arguments(), "parser": chain_parser},
                                 label2id=config.label2id)
        return processor.apply(raw)["train"].to_dict()

    reference = features()
    read = settings_read_by(apc_model)
    for name, value in {"srd": 1, "dlcf_a": 10.0, "max_seq_len": 12}.items():
        assert (features(**{name: value}) != reference) == (name in read), (apc_model, name)


def test_model_flag_is_refused_in_train_with_the_right_names(capsys):
    assert main(["train", "--model", "bert_spc"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--architecture" in err and "--model_name_or_path" in err


@pytest.mark.parametrize("flag", ["--model", "--checkpoint", "--model_name_or_path"])
def test_predict_names_the_checkpoint_with_the_hf_flag_and_its_aliases(flag):
    from hf_absa.commands import predict

    args, positional = predict.make_parser().parse_args_into_dataclasses([flag, "runs/x", "a [B-ASP]b[E-ASP]"])
    checkpoints, texts = predict.split_checkpoints(args.model_name_or_path, positional.texts, args.voting)
    assert checkpoints == ["runs/x"] and texts == ["a [B-ASP]b[E-ASP]"]


def test_card_says_when_no_test_split_was_evaluated():
    config = {"apc_model": "bert_spc", "id2label": {"0": "Negative", "1": "Positive"}}
    untested = APCModelCardData.from_parts(config, {}, {"eval_accuracy": 0.8, "test_split": "none"}, model_id="m")
    tested = APCModelCardData.from_parts(config, {}, {"eval_accuracy": 0.8, "test_accuracy": 0.7}, model_id="m")
    assert "no test split was evaluated" in untested.render()
    assert "test was\nevaluated once" in tested.render() and "no test split" not in tested.render()
