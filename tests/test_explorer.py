"""Every chapter's explorer: controls drive it through their ranges; blitted frames equal full redraws."""
import io
import itertools

import numpy as np
import pytest
from PIL import Image

from cnnlib.explorer import control_values, find_explorers

EXPLORERS = find_explorers()


def test_every_chapter_explorer_is_found():
    assert len({name[:4] for name, _ in EXPLORERS}) >= 6, [n for n, _ in EXPLORERS]


@pytest.mark.parametrize("name,factory", EXPLORERS, ids=[n for n, _ in EXPLORERS])
def test_every_control_setting_renders_like_a_full_draw(name, factory):
    explorer = factory()
    values = explorer.values
    cycles = {n: itertools.cycle(control_values(c)) for n, c in explorer.controls.items()}
    for step, control in zip(range(12), itertools.cycle(list(cycles))):
        values[control] = next(cycles[control])
        explorer.refresh(values)
        frame = np.asarray(explorer.fig.canvas.buffer_rgba()).copy()
        for artist in explorer.animated:
            artist.set_animated(False)
        explorer.fig.canvas.draw()
        full = np.asarray(explorer.fig.canvas.buffer_rgba()).copy()
        for artist in explorer.animated:
            artist.set_animated(True)
        explorer.background = None
        differ = np.any(frame != full, axis=-1)
        assert not differ.any(), f"step {step} ({control}={values[control]}): {differ.sum()} pixels differ"


def test_frames_are_jpeg_images_of_the_figure():
    explorer = EXPLORERS[0][1]()
    frame = Image.open(io.BytesIO(explorer.refresh()))
    assert frame.format == "JPEG" and frame.size == explorer.fig.canvas.get_width_height()
    assert explorer.image.value[:2] == b"\xff\xd8"
