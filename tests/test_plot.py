"""cnnlib.plot: the glyph labels look like text where they should and refuse mismatched input."""
import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib.plot import labels, set_labels  # noqa: E402


def render(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].min(axis=2)


def ink_box(pixels):
    rows, cols = np.nonzero(pixels < 128)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_labels_are_centred_like_text_and_sized_in_points():
    boxes = {}
    for kind in ("text", "labels"):
        fig, ax = plt.subplots(figsize=(2, 2), dpi=100)
        ax.set_axis_off(), ax.set_xlim(0, 1), ax.set_ylim(1, 0)   # flipped, as a grid is
        if kind == "text":
            ax.text(0.3, 0.6, "47", ha="center", va="center", fontsize=20)
        else:
            set_labels(labels(ax), [(0.3, 0.6)], ["47"], fontsize=20)
        boxes[kind] = ink_box(render(fig))
        plt.close(fig)
    (t0, t1, l0, l1), (u0, u1, m0, m1) = boxes["text"], boxes["labels"]
    assert abs((l0 + l1) - (m0 + m1)) / 2 <= 1.5      # same horizontal centre
    assert abs((t1 - t0) - (u1 - u0)) <= 2             # same height: 20 points
    assert abs((l1 - l0) - (m1 - m0)) <= 2
    assert abs((t0 + t1) / 2 - (u0 + u1) / 2) <= 3     # centred on the glyphs, not the line


def test_set_labels_replaces_and_refuses_mismatched_lengths():
    fig, ax = plt.subplots()
    coll = labels(ax)
    set_labels(coll, [(0, 0), (1, 1)], ["1", "2"])
    assert coll.labels == ["1", "2"] and len(coll.get_paths()) == 2
    set_labels(coll, np.zeros((0, 2)), [])
    assert coll.labels == [] and len(coll.get_paths()) == 0 and len(coll.get_offsets()) == 0
    with pytest.raises(ValueError, match="3 strings for 2 positions"):
        set_labels(coll, [(0, 0), (1, 1)], ["1", "2", "3"])
    plt.close(fig)
