"""The chapters as source files: layout, Colab cell, no outputs, the parts every chapter must have.

(Executing them is nbval's job: pytest collects notebooks/*.ipynb with --nbval-lax.)
"""
import json
import pathlib
import re
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from colab_cell import setup_cell_source  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


def load(path):
    return json.loads(path.read_text())


def text(nb, kind):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind)


def test_toc_lists_exactly_the_files_that_exist():
    listed = toc_files()
    for f in listed:
        assert any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb")), f"_toc.yml lists missing {f}"
    chapters = {f"notebooks/{p.stem}" for p in NOTEBOOKS}
    assert chapters <= set(listed), f"notebooks missing from _toc.yml: {sorted(chapters - set(listed))}"


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_setup_cell_is_first_and_identical(path):
    nb = load(path)
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "".join(first_code["source"]) == setup_cell_source(), "run python tools/colab_cell.py --write"
    assert "colab-setup" in first_code["metadata"].get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert not cell["outputs"] and cell["execution_count"] is None, "run python tools/strip_outputs.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_fits_the_page(path):
    """Code cells are wrapped at 88 columns: a longer line is cut off on the web page."""
    long = [f"cell {i}: {line[:60]}..." for i, cell in enumerate(load(path)["cells"])
            if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines() if len(line) > 88]
    assert not long, f"{len(long)} code lines over 88 characters: {long[:3]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_has_objectives_summary_and_exercises(path):
    nb = load(path)
    md = text(nb, "markdown")
    assert nb["cells"][0]["cell_type"] == "markdown" and nb["cells"][0]["source"][0].startswith("# ")
    assert not re.match(r"# \d", nb["cells"][0]["source"][0]), "no number in the title: the toc numbers chapters"
    assert not re.search(r"^#+ \d+\.\d", md, re.M), "no hand-numbered sections"
    assert re.search(r"\*\*Learning objectives\.?\*\*", md), "a bold **Learning objectives** lead-in"
    assert re.search(r"learning objectives", md, re.I), "no learning objectives"
    assert re.search(r"^## Summary", md, re.M), "no ## Summary section"
    assert re.search(r"^## Exercises", md, re.M), "no ## Exercises section"
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", md)
    assert len(labels) >= 5, f"only {len(labels)} exercises"
    solved = set(re.findall(r"```\{solution\} (\S+)", md))
    assert set(labels) <= solved, f"exercises without a solution: {sorted(set(labels) - solved)}"
    assert md.count("Hint") >= len(labels), "every exercise needs a hint"


SOLUTION_TAGS = {"hide-cell", "solution"}


def exercise_cells(nb):
    """``(starter, solution)`` code-cell pairs: each solution cell and the code cell before it."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [(code[i - 1], c) for i, c in enumerate(code) if "### BEGIN SOLUTION" in "".join(c["source"])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_exercises_follow_the_template(path):
    """Starter cell (visible, unchecked placeholder) then solution cell (hidden on every surface)."""
    nb = load(path)
    pairs = exercise_cells(nb)
    assert pairs, "no code exercise with a solution"
    for starter, solution in pairs:
        src, first = "".join(solution["source"]), "".join(starter["source"])
        ids = re.findall(r'assert check\("(ch\d\d-[\w-]+)"', src)
        assert len(ids) == 1 and src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION") == 1, src
        assert src.startswith("# @title "), "the solution cell's first line is Colab's # @title"
        assert SOLUTION_TAGS <= set(solution["metadata"].get("tags", [])), "solution cell: tags hide-cell, solution"
        assert solution["metadata"].get("jupyter", {}).get("source_hidden") is True, "hidden in JupyterLab"
        assert solution["metadata"].get("cellView") == "form", "hidden on Colab"
        assert f'check("{ids[0]}"' in first and "assert check" not in first, f"{ids[0]}: starter cell"
        assert "BEGIN SOLUTION" not in first and not {"hide-cell", "remove-cell"} & set(
            starter["metadata"].get("tags", [])), f"{ids[0]}: the starter must be visible"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_check_of_the_chapter_is_used(path):
    from cnnlib import checks
    chapter = path.stem[:2]
    code = text(load(path), "code")
    used = set(re.findall(r'check\("(ch\d\d-[\w-]+)"', code))
    registered = {i for i in checks.ids() if i.startswith(f"ch{chapter}-")}
    assert used == registered, f"used but not registered: {used - registered}; unused: {registered - used}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_has_a_quiz_shown_on_the_page(path):
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code" and "display_quiz(" in "".join(c["source"])]
    assert len(cells) == 1, "one self-check quiz (jupyterquiz display_quiz) per chapter"
    assert "remove-input" in cells[0]["metadata"].get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_widgets_are_hidden_on_the_page_and_have_a_static_companion(path):
    code = [("".join(c["source"]), c["metadata"].get("tags", [])) for c in load(path)["cells"] if c["cell_type"] == "code"]
    live = [i for i, (src, tags) in enumerate(code) if re.search(r"\bmake_\w+\(", src) and "remove-output" in tags]
    assert live, "a live explorer (make_...) in a cell tagged remove-output: sliders are dead on the web page"
    for i in live:
        assert i + 1 < len(code), "the explorer needs a static companion after it"
        companion, tags = code[i + 1]
        assert not {"remove-output", "remove-cell"} & set(tags), "the static companion must be shown on the page"
        assert re.search(r"animate\(|figure|fig\b|plt\.|show", companion), "the companion must draw something"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_asserts_its_numbers_and_is_seeded(path):
    code = text(load(path), "code")
    assert len(re.findall(r"^\s*assert ", code, re.M)) >= 5
    if re.search(r"\brng\b|random", code):
        assert "default_rng(" in code or "manual_seed(" in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_quiz_has_four_to_six_questions_and_tolerant_numbers(path):
    import importlib
    quiz = importlib.import_module(f"cnnlib.chapters.ch{path.stem}.quiz").QUIZ
    assert 4 <= len(quiz) <= 6
    kinds = {q["type"] for q in quiz}
    assert kinds <= {"multiple_choice", "many_choice", "numeric"}, kinds
    for q in quiz:
        assert q["question"].strip() and q["answers"], q
        assert any(a.get("correct") for a in q["answers"]), f"no correct answer: {q['question']}"
        if q["type"] == "numeric":   # a number is accepted within a tolerance, not only to the digit
            assert q.get("precision") or any(a["type"] == "range" for a in q["answers"] if a.get("correct")), q
