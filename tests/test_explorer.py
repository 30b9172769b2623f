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


def tiny_explorer():
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from cnnlib.explorer import Explorer
    fig, ax = plt.subplots(figsize=(2, 1.5))
    line, = ax.plot([0, 1], [0, 0])
    ax.set_ylim(-5, 5)

    def update(a, b):
        line.set_data([0, 1], [a, -a if b == "down" else a])
    return Explorer(fig, update, {"a": w.IntSlider(value=0, min=0, max=4, description="a"),
                                  "b": w.Dropdown(options=["up", "down"], value="up")})


def test_web_explorer_frames_equal_the_live_frames(tmp_path):
    from cnnlib.explorer import web_explorer
    explorer = tiny_explorer()
    page = web_explorer(explorer, "tiny", grid={"a": [0, 2, 4], "b": ["up", "down"]}, folder=tmp_path).data
    frames = sorted(tmp_path.glob("tiny/*.jpg"), key=lambda p: int(p.stem))
    assert len(frames) == 6 and "6 settings precomputed" in page
    for index, (a, b) in enumerate((a, b) for a in (0, 2, 4) for b in ("up", "down")):
        assert frames[index].read_bytes() == explorer.refresh({"a": a, "b": b}), (a, b)
    assert 'type="range"' in page and "<select" in page and 'aria-label="explorer frame"' in page
    assert "http" not in page.replace("data:image", ""), "no third-party file"
    assert page.count("data:image/jpeg") == 1, "only the first frame is inline; the rest load on demand"


def test_web_explorer_refuses_bad_grids(tmp_path):
    from cnnlib.explorer import web_explorer
    explorer = tiny_explorer()
    with pytest.raises(ValueError, match="unknown controls"):
        web_explorer(explorer, "tiny", grid={"c": [1]}, folder=tmp_path)
    with pytest.raises(ValueError, match="name"):
        web_explorer(explorer, "../x", folder=tmp_path)
