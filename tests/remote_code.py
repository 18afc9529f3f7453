"""Run a script the way a Hub user without hf_absa would: `import hf_absa` fails, remote code is the only way."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# Prepended to every script: a meta-path finder that refuses hf_absa, whether installed or on the path.
HF_ABSA_BLOCKER = textwrap.dedent(
    """
    import sys

    class BlockHfAbsa:
        def find_spec(self, name, path=None, target=None):
            if name == "hf_absa" or name.startswith("hf_absa."):
                raise ImportError("hf_absa is blocked in this process")

    sys.meta_path.insert(0, BlockHfAbsa())
    """
)


def run_without_hf_absa(script: str, *args, workdir) -> subprocess.CompletedProcess:
    """Run ``script`` (with ``args`` as sys.argv[1:]) in a fresh interpreter where hf_absa is blocked.

    Remote code is cached under ``workdir/modules`` so runs never share (or keep) a stale copy; a failure
    fails the calling test with the end of the subprocess's stderr.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(HF_MODULES_CACHE=str(workdir / "modules"), HF_HUB_OFFLINE="1")
    completed = subprocess.run(
        [sys.executable, "-c", HF_ABSA_BLOCKER + textwrap.dedent(script), *map(str, args)],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed
