#!/usr/bin/env python3
"""Run the PyABSA APC peer driver (../shared/peer/pyabsa_apc.py) with PyABSA config settings changed.

    PEER_PYTHON benchmarks/pyabsa_apc_config.py --set lcf=cdm -- --model LCA_BERT --dataset-dir DIR ...

``--set KEY=VALUE`` (repeatable; VALUE read as JSON when it parses, else as a string) is applied to the config
that ``APCConfigManager.get_apc_config_english()`` returns, before the driver sets its own fields; everything
after ``--`` goes to the driver unchanged. It exists for LCA_BERT, which PyABSA 2.4.2 refuses with its own
default ``lcf="cdw"`` ("LCA-Net only support CDM mode", ``config_verification.py``); the driver has no flag for
it. Runs in the peer virtualenv (its Python), like the driver.

It also lets the driver run DLCF_DCA_BERT and DLCFS_DCA_BERT (`compare_pyabsa.py` sends those through it, with
no ``--set``): the driver hands its spaCy pipeline to every PyABSA module that already has an ``nlp`` global,
but PyABSA's ``apc_utils_for_dlcf_dca`` creates its global inside ``configure_dlcf_spacy_model``, which the
driver replaces, so those two models stopped with "NameError: name 'nlp' is not defined". A placeholder global
set here, before the driver looks, is all it takes; PyABSA itself is not changed.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

PEER = Path(__file__).resolve().parent.parent.parent / "shared" / "peer"


def parse_settings(argv: list[str]) -> tuple[dict, list[str]]:
    """({key: value} of the ``--set`` pairs before ``--``, the driver's arguments after it)."""
    split = argv.index("--") if "--" in argv else len(argv)
    own, driver = argv[:split], argv[split + 1:]
    settings = {}
    for at, word in enumerate(own):
        if word == "--set":
            key, equals, text = own[at + 1].partition("=") if at + 1 < len(own) else ("", "", "")
            if not key or not equals:
                raise SystemExit(f"--set expects KEY=VALUE, got {own[at + 1] if at + 1 < len(own) else 'nothing'}")
            try:
                settings[key] = json.loads(text)
            except json.JSONDecodeError:
                settings[key] = text
        elif at == 0 or own[at - 1] != "--set":
            raise SystemExit(f"unexpected argument {word!r}; expected --set KEY=VALUE ... -- DRIVER ARGUMENTS")
    return settings, driver


def main() -> None:
    settings, driver_argv = parse_settings(sys.argv[1:])
    sys.path.insert(0, str(PEER))
    import pyabsa_apc

    # The driver installs the same guard before it imports PyABSA; PyABSA is imported here first to patch it.
    pyabsa_apc.install_network_guard()
    with contextlib.redirect_stdout(sys.stderr):  # the driver's last stdout line is its JSON result
        from pyabsa import AspectPolarityClassification as APC
        from pyabsa.tasks.AspectPolarityClassification.dataset_utils.__lcf__ import apc_utils_for_dlcf_dca
    if not hasattr(apc_utils_for_dlcf_dca, "nlp"):
        apc_utils_for_dlcf_dca.nlp = None  # replaced by the driver's pipeline (see the module docstring)
    english = APC.APCConfigManager.get_apc_config_english

    def with_settings(*args, **kwargs):
        config = english(*args, **kwargs)
        for key, value in settings.items():
            setattr(config, key, value)
        return config

    APC.APCConfigManager.get_apc_config_english = with_settings
    pyabsa_apc.main(driver_argv)


if __name__ == "__main__":
    main()
