"""The book's other editions, made from notebooks/ by one command (never edited by hand).

    python tools/editions.py colab            # colab/NN_slug.ipynb: plain Markdown for Colab
    python tools/editions.py colab --check    # exit 1 if colab/ is out of date with notebooks/
    python tools/editions.py student          # student/: the book without solutions
    python tools/editions.py student --build  # ... and build it: jupyter-book build -W student

Colab renders Markdown and some HTML, not MyST, so the Colab edition rewrites the directives and
roles: exercises become headings numbered per chapter, hints and solutions ``<details>`` blocks,
citations "(Author, Year)" linked to the book's references page, glossary terms links to the
glossary. The launch button of every chapter page opens this edition.

The student edition clears every solution with nbgrader's ``ClearSolutions`` preprocessor (the
code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``raise
NotImplementedError()``), removes the written ``{solution}`` blocks, clears outputs and widget
state, and writes a book (``_config.yml``, ``_toc.yml``, ``book/``, ``notebooks/``) that builds.
"""
import argparse
import copy
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLAB = "https://colab.research.google.com"

# MyST fences: ```{name} args / :::{name} args, with their :option: lines, up to the closing fence.
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>[^\n]*)\n"
                   r"(?P<body>.*?)^(?P=fence)[ \t]*$\n?", re.S | re.M)
OPTION = re.compile(r"^:(\w[\w-]*):[ \t]*(.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<text>[^`]+)`")


def config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository():
    """``(owner, name, branch)`` of the repository set in ``_config.yml``."""
    repo = config()["repository"]
    owner, name = repo["url"].rstrip("/").split("/")[-2:]
    return owner, name, repo.get("branch", "main")


def book_url():
    """Where the built book is published: ``html.baseurl`` in ``_config.yml``, else GitHub Pages."""
    base = (config().get("html") or {}).get("baseurl")
    owner, name, _ = repository()
    return (base or f"https://{owner}.github.io/{name}/").rstrip("/") + "/"


def colab_link(notebook_name):
    owner, name, branch = repository()
    return f"{COLAB}/github/{owner}/{name}/blob/{branch}/colab/{notebook_name}"


def citations():
    """``{key: (short author, year)}`` from ``book/references.bib``."""
    from pybtex.database import parse_file
    out = {}
    for key, entry in parse_file(str(ROOT / "book" / "references.bib")).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [" ".join(p.last_names) or str(p) for p in people]
        if not last:
            who = entry.fields.get("organization") or entry.fields.get("title", key)
        elif len(last) == 1:
            who = last[0]
        elif len(last) == 2:
            who = f"{last[0]} and {last[1]}"
        else:
            who = f"{last[0]} et al."
        out[key] = (re.sub(r"[{}\\]", "", who), entry.fields.get("year", "n.d."))
    return out


# Colab edition ---------------------------------------------------------------

def _fence_parts(match):
    lines, options = match["body"].split("\n"), {}
    while lines and OPTION.match(lines[0]):
        key, value = OPTION.match(lines[0]).groups()
        options[key] = value
        lines.pop(0)
    return options, "\n".join(lines).strip()


def _details(summary, body):
    return f"<details>\n<summary><b>{summary}</b></summary>\n\n{body}\n\n</details>\n"


class ColabMarkdown:
    """Rewrites one chapter's MyST Markdown as plain Markdown/HTML; numbers its exercises."""

    def __init__(self, chapter):
        self.chapter, self.count, self.cites = chapter, 0, citations()
        self.url = book_url()

    def directive(self, match):
        name, arg = match["name"], match["arg"].strip()
        options, body = _fence_parts(match)
        body = self.text(body)
        if name == "exercise":
            self.count += 1
            return f"#### Exercise {self.chapter}.{self.count}: {self.text(arg)}\n\n{body}\n"
        if name == "solution":
            return _details("Solution", body)
        title = self.text(arg) or name.capitalize()
        if "dropdown" in options.get("class", ""):
            return _details(title, body)
        quoted = "\n".join("> " + line if line else ">" for line in body.split("\n"))
        return f"> **{title}**\n>\n{quoted}\n"

    def role(self, match):
        name, text = match["name"], match["text"]
        if name.startswith("cite"):
            keys = [k.strip() for k in text.split(",")]
            refs = [self.cites.get(k, (k, "n.d.")) for k in keys]
            link = f"{self.url}book/bibliography.html"
            if name == "cite:t":
                return "; ".join(f"[{who} ({year})]({link})" for who, year in refs)
            return "([" + "; ".join(f"{who}, {year}" for who, year in refs) + f"]({link}))"
        explicit = re.match(r"(.*?)\s*<(.+)>$", text)             # {term}`words <target>`
        label, target = explicit.groups() if explicit else (text, None)
        if name == "term":
            anchor = re.sub(r"[^\w]+", "-", (target or label).lower()).strip("-")
            return f"[{label}]({self.url}book/glossary.html#term-{anchor})"
        return label                                        # ref, numref, doc, eq: the words only

    def text(self, markdown):
        previous = None
        while previous != markdown:                          # nested fences: innermost first
            previous, markdown = markdown, FENCE.sub(self.directive, markdown)
        markdown = ROLE.sub(self.role, markdown)
        markdown = re.sub(r"^\([\w-]+\)=\s*$\n?", "", markdown, flags=re.M)   # MyST targets
        return re.sub(r"\]\((\d\d_[\w]+)\.ipynb(#[\w-]+)?\)",
                      lambda m: f"]({colab_link(m[1] + '.ipynb')})", markdown)


def colab_edition(path):
    """The Colab edition of one chapter, as a notebook node."""
    nb = nbformat.read(path, as_version=4)
    convert = ColabMarkdown(int(path.stem[:2]))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = convert.text(cell.source)
    title = nb.cells[0]                   # the book numbers chapters in its toc; Colab cannot
    if title.cell_type == "markdown" and re.match(r"# (?!\d)", title.source):
        title.source = f"# {convert.chapter}. {title.source[2:]}"
    nb.metadata["colab"] = {"provenance": [], "toc_visible": True}
    return nb


def colab(check=False):
    out, stale = ROOT / "colab", []
    out.mkdir(exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = nbformat.writes(colab_edition(path)) + "\n"
        target = out / path.name
        if not target.exists() or target.read_text() != text:
            stale.append(path.name)
            if not check:
                target.write_text(text)
    sources = {p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for orphan in sorted(set(p.name for p in out.glob("*.ipynb")) - sources):
        stale.append(orphan)                 # its chapter is gone or not written yet
        if not check:
            (out / orphan).unlink()
    if check and stale:
        print("colab/ is out of date for " + ", ".join(stale) + ": run python tools/editions.py colab")
        return 1
    return 0


# Student edition -------------------------------------------------------------

def _without_written_solutions(markdown):
    return FENCE.sub(lambda m: "" if m["name"] == "solution" else m[0], markdown)


def student_edition(path):
    """The student edition of one chapter, as a notebook node."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions
    nb = nbformat.read(path, as_version=4)
    nb, _ = ClearSolutions(enforce_metadata=False).preprocess(nb, {})
    nb, _ = ClearOutput().preprocess(nb, {})
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            cell.source = _without_written_solutions(cell.source)
        elif "solution" in tags:                 # now the reader's cell: visible, and it raises
            cell.metadata.pop("jupyter", None)
            cell.metadata.pop("cellView", None)
            cell.metadata["tags"] = [t for t in tags if t != "hide-cell"] + ["raises-exception"]
            cell.source = re.sub(r"^# @title [^\n]*", "# Your solution", cell.source)
    return nb


def student(out=ROOT / "student", build=False):
    out = pathlib.Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)
    shutil.copytree(ROOT / "book", out / "book", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "_toc.yml", out / "_toc.yml")
    cfg = copy.deepcopy(config())
    cfg["title"] += " (student edition)"
    cfg["execute"]["execute_notebooks"] = "force"
    (out / "_config.yml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True))
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nbformat.write(student_edition(path), out / "notebooks" / path.name)
    if build:
        jb = shutil.which("jupyter-book") or str(pathlib.Path(sys.executable).with_name("jupyter-book"))
        return subprocess.run([jb, "build", "-W", "--keep-going", str(out)]).returncode
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("edition", choices=["colab", "student"])
    parser.add_argument("--check", action="store_true", help="colab: exit 1 if colab/ is stale")
    parser.add_argument("--build", action="store_true", help="student: build the student book")
    parser.add_argument("--out", default=str(ROOT / "student"), help="student: output folder")
    args = parser.parse_args()
    if args.edition == "colab":
        return colab(check=args.check)
    return student(args.out, build=args.build)


if __name__ == "__main__":
    sys.exit(main())
