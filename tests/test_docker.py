"""The Dockerfile, read as text (no Docker daemon in the test environment): it installs this package on the CPU
torch build, runs `hf-absa` as a non-root user, and the README's docker commands name real subcommands."""

import fnmatch
import json
import re
import shlex

import pytest

from conftest import REPO_ROOT
from hf_absa.commands import COMMANDS


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and backslash-continued lines joined."""
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in logical.splitlines()
            if line.strip()]


def arguments_of(instruction: str) -> list[str]:
    return [arguments for name, arguments in dockerfile_instructions() if name == instruction]


def test_cpu_base_and_torch_index_build_argument():
    assert arguments_of("FROM") == ["python:3.11-slim"]
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in arguments_of("ARG")
    runs = arguments_of("RUN")
    torch_install = next(index for index, run in enumerate(runs) if '--index-url "${TORCH_INDEX_URL}" torch' in run)
    package_install = next(index for index, run in enumerate(runs) if 'pip install ".[demo]"' in run)
    # torch must be in place first, or installing the package would pull the default (CUDA) build from PyPI
    assert torch_install < package_install


def test_image_copies_what_the_package_install_needs_and_dockerignore_keeps_it():
    copied = {source for arguments in arguments_of("COPY") for source in arguments.split()[:-1]}
    assert {"pyproject.toml", "README.md", "hf_absa"} <= copied
    patterns = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert {".git", "runs", ".pytest_cache"} <= set(patterns)
    for source in copied:
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in patterns), source


def test_entrypoint_is_the_console_script_run_as_a_non_root_user():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["hf-absa"] == "hf_absa.cli:main"
    assert "demo" in project["optional-dependencies"]
    instructions = [name for name, _ in dockerfile_instructions()]
    assert json.loads(arguments_of("ENTRYPOINT")[-1]) == ["hf-absa"]
    assert json.loads(arguments_of("CMD")[-1]) == ["--help"]
    users = arguments_of("USER")
    assert users and users[-1] not in ("root", "0")
    assert instructions.index("USER") < instructions.index("ENTRYPOINT")
    assert any(value.startswith("HF_HOME=") for env in arguments_of("ENV") for value in shlex.split(env))
    assert arguments_of("VOLUME")


def test_readme_docker_commands_name_existing_subcommands():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Docker", 1)[1].split("\n## ", 1)[0]
    shell = " ".join(re.findall(r"```bash\n(.*?)```", section, re.DOTALL)).replace("\\\n", " ")
    # `docker run [options] IMAGE COMMAND ...`: the word after the image (hf-absa, hf-absa:cuda) is the command
    commands = re.findall(r"\bhf-absa(?::\w+)? (\w+)", shell)
    assert {"train", "predict", "extract"} <= set(commands)
    assert set(commands) <= set(COMMANDS)


def test_readme_docker_predict_and_extract_commands_parse():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Docker", 1)[1].split("\n## ", 1)[0]
    shell = " ".join(re.findall(r"```bash\n(.*?)```", section, re.DOTALL)).replace("\\\n", " ")
    runs = [shlex.split(line) for line in shell.splitlines() if line.lstrip().startswith("docker run")]
    parsed = set()
    for words in runs:
        image = next(index for index, word in enumerate(words) if word.startswith("hf-absa"))
        command, flags = words[image + 1], words[image + 2:]
        if command in ("predict", "extract"):  # flags only: no model is loaded
            COMMANDS[command].make_parser().parse_args_into_dataclasses(args=flags)
            parsed.add(command)
    assert parsed == {"predict", "extract"}
