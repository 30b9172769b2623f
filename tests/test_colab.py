"""Colab compatibility: installing cnnlib changes none of the packages Colab ships.

tools/colab-constraints.txt lists Colab's versions. .ci/run builds a second virtual environment
with them (CNNLIB_COLAB_VENV) and runs every chapter there with nbval; here pip resolves an
install of cnnlib's wheel into that environment without installing anything.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent


def colab_versions():
    pins = {}
    for line in (ROOT / "tools" / "colab-constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_cnnlib_accepts_every_colab_version():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = colab_versions()
    checked = 0
    for dep in map(Requirement, deps):
        if dep.name.lower() in pins:
            checked += 1
            assert dep.specifier.contains(pins[dep.name.lower()]), f"{dep} rejects Colab's {pins[dep.name.lower()]}"
    assert checked >= 6 and "ipywidgets" in pins


def colab_venv():
    path = os.environ.get("CNNLIB_COLAB_VENV")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("CI must set CNNLIB_COLAB_VENV (see .ci/run)")
        pytest.skip("no Colab-like virtual environment (.ci/run makes one: CNNLIB_COLAB_VENV)")
    return pathlib.Path(path)


def test_installing_the_wheel_into_colab_changes_nothing(tmp_path):
    python = str(colab_venv() / "bin" / "python")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True)
    shutil.rmtree(ROOT / "build", ignore_errors=True)            # setuptools' leftovers
    wheel = next(tmp_path.glob("cnnlib-*.whl"))
    installed = json.loads(subprocess.run([python, "-m", "pip", "list", "--format", "json"], check=True,
                                          capture_output=True, text=True).stdout)
    have = {p["name"].lower().replace("_", "-"): p["version"] for p in installed}
    for name, version in colab_versions().items():
        assert have.get(name) == version, f"the Colab-like environment has {name} {have.get(name)}, not {version}"
    report = tmp_path / "report.json"
    subprocess.run([python, "-m", "pip", "install", "-q", "--dry-run", "--report", str(report), str(wheel)],
                   check=True)
    wanted = {item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
              for item in json.loads(report.read_text())["install"]}
    changed = {name: (have[name], v) for name, v in wanted.items() if name in have and name != "cnnlib"}
    assert not changed, f"installing cnnlib would change {changed}"


def test_every_chapter_runs_with_colabs_versions():
    """nbval in the Colab-like environment: every cell of every chapter runs without error."""
    python = str(colab_venv() / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    result = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                             "--nbval-lax", "--nbval-current-env", *sorted(map(str, (ROOT / "notebooks").glob("*.ipynb")))],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
