"""The shape of the project: one chapter, one folder, and imports that flow one way.

notebooks/NN_slug.ipynb <-> cnnlib/chapters/chNN_slug/ <-> tests/chapters/test_chNN_slug.py
"""
import ast
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHAPTERS = ROOT / "cnnlib" / "chapters"


def package(nb):
    return f"ch{nb.stem}"            # 04_dimensions_stride_padding -> ch04_dimensions_stride_padding


def imports(path):
    """Absolute module names a Python file imports (relative imports resolved inside cnnlib)."""
    tree = ast.parse(path.read_text())
    here = path.relative_to(ROOT).with_suffix("").parts
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here[:len(here) - node.level]
                base = ".".join(parent + ((base,) if base else ()))
            names += [base] + [f"{base}.{a.name}" for a in node.names]
    return names


def notebook_imports(nb):
    code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"]
                     if c["cell_type"] == "code")
    names = re.findall(r"^\s*import\s+(cnnlib[\w.]*)", code, re.M)
    for module, what in re.findall(r"^\s*from\s+(cnnlib[\w.]*)\s+import\s+([\w, ()]+)", code, re.M):
        names += [f"{module}.{n.strip()}" for n in what.strip("()").split(",")] if module == "cnnlib.chapters" \
            else [module]
    return names


def test_every_chapter_has_its_folder_and_test_file():
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        folder = CHAPTERS / package(nb)
        assert (folder / "__init__.py").exists(), f"{nb.name}: no cnnlib/chapters/{package(nb)}/"
        assert (folder / "checks.py").exists(), f"{nb.name}: no {package(nb)}/checks.py"
        assert (ROOT / "tests" / "chapters" / f"test_{package(nb)}.py").exists(), f"{nb.name}: no test file"
    stems = {package(nb) for nb in NOTEBOOKS}
    folders = {p.name for p in CHAPTERS.iterdir() if p.is_dir() and p.name.startswith("ch")}
    tests = {p.stem[5:] for p in (ROOT / "tests" / "chapters").glob("test_ch*.py")}
    assert folders == stems, f"chapter folders without a notebook: {sorted(folders - stems)}"
    assert tests == stems, f"chapter tests without a notebook: {sorted(tests - stems)}"


def test_exercise_ids_belong_to_their_chapter():
    from cnnlib import checks
    checks._load_all()
    for exercise_id, fn in checks._CHECKS.items():
        chapter = fn.__module__.split(".")[2]          # cnnlib.chapters.chNN_slug.checks
        assert exercise_id.startswith(chapter[:4] + "-"), f"{exercise_id} is registered by {chapter}"
    for nb in NOTEBOOKS:
        labels = re.findall(r":label: (\S+)", nb.read_text())
        assert all(label.startswith(package(nb)[:4] + "-") for label in labels), nb.name


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapters_never_import_each_other(nb):
    own = f"cnnlib.chapters.{package(nb)}"
    for path in (CHAPTERS / package(nb)).rglob("*.py"):
        for name in imports(path):
            if name.startswith("cnnlib.chapters."):
                assert name.startswith(own), f"{path.relative_to(ROOT)} imports {name}"
    for name in notebook_imports(nb):
        if name.startswith("cnnlib.chapters"):
            assert name.startswith(own), f"{nb.name} imports {name}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_computation_needs_no_display(nb):
    probe = (f"import sys, cnnlib.chapters.{package(nb)}; "
             "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"{package(nb)}/__init__.py pulls in {out.stdout.strip()}"


def test_imports_flow_one_way():
    for path in (ROOT / "cnnlib").rglob("*.py"):
        for name in imports(path):
            assert not name.split(".")[0] in ("tests", "benchmarks", "tools", "notebooks"), \
                f"{path.relative_to(ROOT)} imports {name}"
    for path in (ROOT / "tests").rglob("*.py"):
        text = path.read_text()
        assert "benchmarks" not in "".join(imports(path)) and "/ \"benchmarks\"" not in text, \
            f"{path.relative_to(ROOT)} imports a benchmark"


def test_no_chapter_module_left_at_the_top_of_cnnlib():
    topic = {"__init__", "functional", "data", "kernels", "counting", "gradcheck", "plot", "explorer",
             "checks", "chapters", "layers", "models", "train"}
    found = {p.stem for p in (ROOT / "cnnlib").iterdir() if p.suffix == ".py" or
             (p.is_dir() and (p / "__init__.py").exists())}
    assert found <= topic, f"modules outside the layout: {sorted(found - topic)}"
