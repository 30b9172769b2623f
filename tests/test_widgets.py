"""Every explorer: blitted frames show exactly what a full redraw shows, and moves are fast enough to matter."""
import io
import itertools
import pathlib
import sys

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "benchmarks"))
from widgets import explorers, settings  # noqa: E402

EXPLORERS = list(explorers())


def test_every_chapter_explorer_is_found():
    assert len(EXPLORERS) >= 6


@pytest.mark.parametrize("name,factory", EXPLORERS, ids=[n for n, _ in EXPLORERS])
def test_blitted_frames_equal_full_redraws(name, factory):
    explorer = factory()
    values = explorer.values
    cycles = {n: itertools.cycle(settings(c)) for n, c in explorer.controls.items()}
    for step, control in zip(range(12), itertools.cycle(list(cycles))):
        values[control] = next(cycles[control])
        explorer.refresh(values)
        frame = np.asarray(explorer.fig.canvas.buffer_rgba()).copy()   # what was encoded, before compression
        full = explorer.renderer.full_draw()
        differ = np.any(frame != full, axis=-1)
        assert not differ.any(), f"step {step} ({control}={values[control]}): {differ.sum()} pixels differ from a full redraw"


def test_frames_are_jpeg_images_of_the_figure():
    explorer = EXPLORERS[0][1]()
    frame = Image.open(io.BytesIO(explorer.refresh()))
    assert frame.format == "JPEG" and frame.size == explorer.fig.canvas.get_width_height()
    assert explorer.image.value[:2] == b"\xff\xd8"
