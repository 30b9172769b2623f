import os
import pathlib

import matplotlib
import pytest

matplotlib.use("Agg")   # tests draw figures headless

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root():
    return ROOT


os.environ.setdefault("MPLBACKEND", "Agg")
