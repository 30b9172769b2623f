"""The Colab setup cell: the first code cell of every chapter, identical everywhere.

The repository URL and branch come from ``_config.yml`` (the one place they are set).

    python tools/colab_cell.py           # print the cell
    python tools/colab_cell.py --write   # put it in every notebooks/*.ipynb (first code cell)
    python tools/colab_cell.py --check   # exit 1 if any chapter's cell differs
"""
import argparse
import pathlib
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
TAG = "colab-setup"


def setup_cell_source(config=ROOT / "_config.yml"):
    repo = yaml.safe_load(pathlib.Path(config).read_text())["repository"]
    url = f"git+{repo['url']}@{repo.get('branch', 'main')}"
    return (
        "# Setup for Google Colab: install this book's library, cnnlib, when it is missing.\n"
        "# It changes none of Colab's packages. Anywhere else this cell does nothing.\n"
        "import importlib, importlib.util, subprocess, sys\n"
        "if \"google.colab\" in sys.modules and importlib.util.find_spec(\"cnnlib\") is None:\n"
        f"    package = \"cnnlib @ {url}\"\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", package], check=True)\n"
        "    importlib.invalidate_caches()\n"
        "    import cnnlib\n"
        "    print(\"installed cnnlib\", cnnlib.__version__)"
    )


def first_code_cell(nb):
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def notebooks():
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    source = setup_cell_source()
    if not (args.write or args.check):
        print(source)
        return 0
    stale = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        if cell is not None and cell.source == source:
            continue
        stale.append(path.name)
        if args.write:
            if cell is None or TAG not in cell.metadata.get("tags", []):
                cell = nbformat.v4.new_code_cell(source, metadata={"tags": [TAG]})
                first_md = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
                nb.cells.insert(first_md, cell)
            cell.source = source
            nbformat.write(nb, path)
    if args.check and stale:
        print("Colab setup cell out of date in: " + ", ".join(stale) + " (run python tools/colab_cell.py --write)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
