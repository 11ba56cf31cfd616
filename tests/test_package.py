"""The wheel, installed into a fresh virtual environment outside the checkout, works on its
own: one top-level package, prompts, widget and question sets inside, `citeqa ingest` and
`citeqa serve` answer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ARTICLE, REPO
from tests.processes import running_citeqa


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the checkout, as `pip wheel .` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("citeqa-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new virtual environment with only the wheel installed; its dependencies come from
    the test environment's site-packages (a .pth line), which holds no citeqa of its own
    that Python would load: the editable install's hook is not run from there."""
    root = tmp_path_factory.mktemp("fresh")
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CITEQA_DATA_DIR": str(root / "data"), **env}
    return subprocess.run(
        [str(root / "venv" / "bin" / "citeqa"), *args],
        cwd=root,  # outside the checkout: nothing can be imported from its folders
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_wheel_installs_one_top_level_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"citeqa", "citeqa-0.1.0.dist-info"}
    for data in (
        "citeqa/prompts/refusal.txt",
        "citeqa/service/http/static/widget.js",
        "citeqa/eval/datasets/article.jsonl",
        "citeqa/eval/datasets/corpus/declaration-of-independence.txt",
        "citeqa/eval/datasets/licenses/mpl-2.0.txt",
    ):
        assert data in names


def test_the_installed_package_ingests_serves_and_evaluates(installed: Path) -> None:
    documents = installed / "documents"
    documents.mkdir()
    shutil.copy(ARTICLE, documents)
    python = installed / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import citeqa.service; print(citeqa.service.__path__[0])"],
        cwd=installed,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(installed / "venv")), where.stdout + where.stderr
    ingested = _run(installed, "ingest", str(documents))
    assert ingested.returncode == 0, ingested.stderr
    assert "1 documents: 1 added" in ingested.stderr

    command = installed / "venv" / "bin" / "citeqa"
    with running_citeqa(installed / "data", command=command) as url:
        answer = httpx.post(f"{url}/v1/ask", json={"question": "Who wrote the article?"}).json()
        widget = httpx.get(f"{url}/widget.js")
    assert answer["answered"] and answer["citations"][0]["quote"] == "By Vali Nasr"
    assert widget.status_code == 200 and "citeqa" in widget.text

    evaluated = _run(installed, "eval", "--json", "--report", str(installed / "report"))
    assert evaluated.returncode == 0, evaluated.stderr
    assert '"hit@1"' in evaluated.stdout  # the default question set shipped with the wheel


def test_no_folder_of_the_checkout_is_a_top_level_module_there(installed: Path) -> None:
    python = installed / "venv" / "bin" / "python"
    for name in ("service", "index", "eval", "bench", "prompts"):
        found = subprocess.run(
            [
                str(python),
                "-c",
                f"import importlib.util; print(importlib.util.find_spec({name!r}))",
            ],
            cwd=installed,
            capture_output=True,
            text=True,
        )
        assert found.stdout.strip() == "None", (name, found.stdout)
