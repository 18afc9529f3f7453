"""Model settings are declared once (`APC_MODEL_SETTINGS`); flags, config, from_pretrained and the card follow it."""

import inspect
import json

import pytest

from hf_absa.cli import main
from hf_absa.commands import train
from hf_absa.models import APC_MODEL_SETTINGS, APCConfig, APCModelForSequenceClassification
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


def test_card_lists_every_setting_and_keeps_the_checkpoint_version(tmp_path):
    config = {"apc_model": "bert_spc", "id2label": {"0": "Negative", "1": "Positive"}, "hf_absa_version": "0.0.9",
              **{setting.name: setting.default for setting in APC_MODEL_SETTINGS if setting.name != "srd"}, "SRD": 4}
    card = APCModelCardData.from_parts(config, {}, {}, model_id="me/model")
    assert set(card.model_hyperparameters) == {setting.name for setting in APC_MODEL_SETTINGS}
    assert card.model_hyperparameters["srd"] == 4
    text = card.render()
    assert "hf_absa 0.0.9" in text and "| use_bert_spc | True |" in text


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
