"""Chapter 4: glyphs (cnnlib.data) and template matching, the sliding-window explorer,
and the exercise checks."""

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnnlib import counting, data
from cnnlib.chapters import ch04_dimensions_stride_padding as ch04
from cnnlib.chapters.ch04_dimensions_stride_padding import (
    CONTROLS,
    INPUT,
    PAD,
    READ_INPUT,
    READ_PAD,
    window_state,
)
from cnnlib.chapters.ch04_dimensions_stride_padding.figures import (
    make_sliding_window_explorer,
)
from cnnlib.checks import check
from cnnlib.functional import conv2d, conv_output_size


# --- glyphs -----------------------------------------------------------------


@pytest.mark.parametrize("kind", data.GLYPHS)
@pytest.mark.parametrize("size", [5, 9, 16, 28])
def test_glyph_is_plus_minus_one_with_border(kind, size):
    g = data.glyph(kind, size)
    assert g.shape == (size, size)
    assert set(np.unique(g)) == {-1.0, 1.0}
    # the default extent leaves a one-pixel background border
    assert (
        np.all(g[0] == -1)
        and np.all(g[-1] == -1)
        and np.all(g[:, 0] == -1)
        and np.all(g[:, -1] == -1)
    )
    # both glyphs are symmetric under left-right and up-down flips
    assert np.array_equal(g, g[::-1]) and np.array_equal(g, g[:, ::-1])


def test_x_is_two_diagonals_and_o_is_hollow():
    x = data.glyph("x", 9)
    i = np.arange(1, 8)
    assert np.all(x[i, i] == 1) and np.all(x[i, 8 - i] == 1)
    assert (x == 1).sum() == 13  # 7 + 7 cells, the centre counted once
    o = data.glyph("O", 9)
    # hollow centre, ink on the ring
    assert o[4, 4] == -1 and o[4, 1] == 1 and o[1, 4] == 1


def test_glyph_shift_moves_the_ink():
    base = data.glyph("x", 12, extent=6)
    moved = data.glyph("x", 12, shift=(2, -3), extent=6)
    assert np.array_equal(np.roll(base, (2, -3), axis=(0, 1)), moved)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kind="t"),
        dict(kind="x", size=4),
        dict(kind="x", extent=2),
        dict(kind="x", size=9, extent=10),
        dict(kind="x", size=9, shift=(2, 0)),
        dict(kind="o", size=9, shift=(0, -2)),
    ],
)
def test_glyph_errors(kwargs):
    with pytest.raises(ValueError):
        data.glyph(**kwargs)


def test_match_map_is_scaled_cross_correlation():
    rng = np.random.default_rng(0)
    img = rng.choice([-1.0, 1.0], size=(9, 11))
    for pattern in ch04.PATTERNS.values():
        expected = correlate2d(img, pattern, mode="valid") / 9
        assert np.allclose(ch04.match_map(img, pattern), expected)


def test_match_map_scores_perfect_match_and_mismatches():
    x = data.glyph("x", 9)
    m = ch04.match_map(x, ch04.PATTERNS["diagonal \\"])
    assert m.shape == (7, 7)
    assert m.max() == 1.0 and m[1, 1] == 1.0 and m[4, 4] == 1.0
    # one pixel (the corner) disagrees
    assert np.isclose(m[0, 0], 7 / 9)
    cross = ch04.match_map(x, ch04.PATTERNS["centre cross"])
    # only at the X's centre
    assert cross[3, 3] == 1.0 and (cross == 1).sum() == 1
    # m disagreeing pixels give 1 - 2m/9
    pattern = ch04.PATTERNS["centre cross"]
    for wrong in range(10):
        patch = pattern.copy().ravel()
        patch[:wrong] *= -1
        assert np.isclose(
            ch04.match_map(patch.reshape(3, 3), pattern)[0, 0], 1 - 2 * wrong / 9
        )
    # the O never contains the X's crossing
    assert ch04.match_map(data.glyph("o", 9), pattern).max() < 1


def test_match_map_errors():
    with pytest.raises(ValueError):
        ch04.match_map(np.ones(9), np.ones((3, 3)))
    with pytest.raises(ValueError):
        ch04.match_map(np.ones((2, 9)), np.ones((3, 3)))


def test_dataset_balanced_shifted_and_noisy():
    rng = np.random.default_rng(1)
    images, labels = data.glyph_dataset(41, size=12, extent=6, max_shift=3, rng=rng)
    assert images.shape == (41, 12, 12) and labels.shape == (41,)
    assert (labels == 0).sum() == 21 and (labels == 1).sum() == 20
    assert set(np.unique(images)) == {-1.0, 1.0}
    # without noise, each image is its glyph at some allowed shift
    shifts = list(itertools.product(range(-3, 4), repeat=2))
    for img, label in zip(images, labels):
        assert any(
            np.array_equal(img, data.glyph(data.GLYPHS[label], 12, s, 6))
            for s in shifts
        )
    # shifts vary
    assert len({img.tobytes() for img in images}) > 4
    flipped, same_labels = data.glyph_dataset(
        41, size=12, extent=6, max_shift=3, flip_prob=1.0, rng=np.random.default_rng(1)
    )
    assert np.array_equal(flipped, -images) and np.array_equal(same_labels, labels)


@pytest.mark.parametrize(
    "kwargs",
    [dict(n=0), dict(n=4, max_shift=-1), dict(n=4, flip_prob=1.5), dict(n=4, size=3)],
)
def test_dataset_errors(kwargs):
    with pytest.raises(ValueError):
        data.glyph_dataset(**kwargs)


# --- the sliding-window explorer ---------------------------------------------

ALL_SETTINGS = list(
    itertools.product(range(5, 10), range(1, 5), range(3), range(1, 4), range(1, 4))
)


def test_window_state_output_size_matches_conv2d():
    for h, k, p, s, d in ALL_SETTINGS:
        st = window_state(h, k, p, s, d)
        try:
            expected = conv_output_size(h, k, stride=s, padding=p, dilation=d)
        except ValueError:
            assert not st["fits"] and st["out"] == 0 and len(st["taps"]) == 0
            assert "no output fits" in st["formula"]
            continue
        assert st["fits"] and st["out"] == expected
        assert conv2d(
            np.ones((1, 1, h, h)),
            np.ones((1, 1, k, k)),
            stride=s,
            padding=p,
            dilation=d,
        ).shape[-2:] == (expected, expected)
        assert st["formula"].endswith(f"= {expected}")
        assert st["span"] == d * (k - 1) + 1 and st["padded"] == h + 2 * p
        assert (
            st["multiplies"]
            == counting.conv_multiplies((expected, expected), (k, k))
            == expected**2 * k * k
        )


@pytest.mark.parametrize(
    "h, k, p, s, d",
    [(5, 3, 1, 2, 1), (7, 3, 2, 1, 2), (9, 2, 0, 3, 3), (6, 4, 1, 1, 1)],
)
def test_window_state_taps_are_what_conv2d_reads(h, k, p, s, d):
    # Give every cell of the padded input a unique id; a one-hot kernel then makes
    # conv2d return, at every output position, the id of the cell that tap reads.
    n = h + 2 * p
    ids = np.arange(n * n, dtype=float).reshape(1, 1, n, n)
    reads = []
    for t in range(k * k):
        onehot = np.zeros((1, 1, k * k))
        onehot[0, 0, t] = 1
        reads.append(
            conv2d(ids, onehot.reshape(1, 1, k, k), stride=s, dilation=d)[0, 0]
        )
    # (out, out, K*K)
    reads = np.stack(reads, axis=-1)
    out = reads.shape[0]
    for step in range(out * out):
        st = window_state(h, k, p, s, d, step)
        i, j = divmod(step, out)
        assert st["pos"] == (i, j)
        assert np.array_equal(st["taps"][:, 0] * n + st["taps"][:, 1], reads[i, j])
        cells = st["cells"]
        inside = (st["taps"] >= p).all(axis=1) & (st["taps"] < p + h).all(axis=1)
        assert np.all(cells[tuple(st["taps"][inside].T)] == READ_INPUT)
        assert np.all(cells[tuple(st["taps"][~inside].T)] == READ_PAD)
        assert (cells == READ_INPUT).sum() + (cells == READ_PAD).sum() == k * k
        never = (cells == ch04.NEVER_READ).sum()
        assert (cells == INPUT).sum() + (cells == READ_INPUT).sum() + never == h * h
        assert (cells == PAD).sum() + (cells == READ_PAD).sum() == n * n - h * h


def test_window_state_clamps_step_and_rejects_bad_args():
    assert window_state(5, 3, 0, 1, 1, step=1000)["pos"] == (2, 2)
    assert window_state(5, 3, 0, 1, 1, step=-4)["pos"] == (0, 0)
    for bad in [
        (0, 3, 0, 1, 1),
        (5, 0, 0, 1, 1),
        (5, 3, -1, 1, 1),
        (5, 3, 0, 0, 1),
        (5, 3, 0, 1, 0),
    ]:
        with pytest.raises(ValueError):
            window_state(*bad)


def _artists(ex):
    ax_in, ax_out = ex.fig.axes[:2]
    return (
        np.array(ax_in.collections[0].get_array()),
        np.array(ax_out.collections[0].get_array()),
        ax_in.get_title(),
        ax_out.get_title(),
        [c for c in ax_in.collections if not hasattr(c, "labels")][-1].get_offsets().copy(),
        [t.get_text() for t in ex.fig.texts] + [t.get_text() for t in ax_out.texts],
    )


def test_explorer_updates_artists_headless():
    ex = make_sliding_window_explorer()
    assert set(ex.controls) == set(CONTROLS)
    for name, (lo, hi, _) in CONTROLS.items():
        if name == "step":  # follows the other sliders: the actual outputs, 4 x 4 here
            assert (ex.controls[name].min, ex.controls[name].max) == (lo, 4 * 4 - 1)
        else:
            assert (ex.controls[name].min, ex.controls[name].max) == (lo, hi)
    before = _artists(ex)
    ex.update(size=5, kernel=3, padding=1, stride=2, dilation=1, step=4)
    ex.fig.canvas.draw()
    after = _artists(ex)
    assert not np.array_equal(before[0], after[0]) and not np.array_equal(
        before[1], after[1]
    )
    assert (
        after[2] == "input 5×5, padding 1 → 7×7"
        and after[3] == "output 3×3, entry (1, 1)"
    )
    assert len(after[4]) == 9
    # the formula
    assert any(line.endswith("= 3") for t in after[5] for line in t.splitlines())
    assert any(t.endswith("3·3 outputs × 3·3 taps = 81 multiplies") for t in after[5])
    # a kernel that does not fit shows a message instead of raising
    ex.update(size=5, kernel=4, padding=0, stride=1, dilation=3, step=0)
    ex.fig.canvas.draw()
    nofit = _artists(ex)
    assert len(nofit[4]) == 0 and nofit[3] == "no output"
    assert any("No output position fits" in t for t in nofit[5])


def test_explorer_survives_every_control_setting():
    ex = make_sliding_window_explorer()
    for h, k, p, s, d in ALL_SETTINGS[::5]:
        ex.update(
            size=h, kernel=k, padding=p, stride=s, dilation=d, step=CONTROLS["step"][1]
        )


# --- exercise checks -----------------------------------------------------------


def _loops(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def test_exercise_checks_accept_right_and_reject_wrong_answers():
    from cnnlib.chapters.ch04_dimensions_stride_padding import checks as ex

    sizes = [
        int(np.floor((h + 2 * p - d * (k - 1) - 1) / s)) + 1
        for h, k, p, s, d in ex.OUTPUT_SIZE_CASES
    ]
    assert sizes == [28, 16, 24, 55, 32]
    assert check("ch04-output-size", sizes)
    assert not check("ch04-output-size", [28, 16, 26, 55, 32])
    # windows of the zero-padded 5x5 input at (0,0), (0,2), (2,0), (2,2), by hand
    strided = np.array(
        [[3 * 0, 2 * 1 + 3 * 2], [1 * 3 + 3 * 6, 0 * 4 + 1 * 5 + 2 * 7 + 3 * 8]],
        dtype=float,
    )
    assert check("ch04-strided", strided)
    assert not check("ch04-strided", strided + 1)
    assert check("ch04-same-padding", 2) and not check("ch04-same-padding", 4)
    assert check("ch04-dilated-rf", 15) and not check("ch04-dilated-rf", 7)
    assert check("ch04-mismatch", 7 / 9) and not check("ch04-mismatch", 8 / 9)
    assert check("ch04-conv2d-loops", _loops)

    def flipped(image, kernel):  # true convolution: wrong here
        return _loops(image, kernel[::-1, ::-1])

    assert not check("ch04-conv2d-loops", flipped)


def test_conv2d_loops_refuses_every_library_shortcut():
    """ch04-conv2d-loops asks for loops: an answer that calls a library convolution
    fails."""
    import scipy.ndimage
    import scipy.signal
    import torch
    from numpy.lib.stride_tricks import sliding_window_view

    import cnnlib.functional as F

    # written as a reader would: the library function is looked up when the answer runs
    def via(name):
        return lambda image, kernel: getattr(F, name)(
            image[None, None], kernel[None, None]
        )[0, 0]

    # one 1D correlation per (output row, kernel row)
    def rows_with_np_correlate(image, kernel):
        kh = kernel.shape[0]
        return np.array(
            [
                sum(np.correlate(image[i + p], kernel[p], "valid") for p in range(kh))
                for i in range(image.shape[0] - kh + 1)
            ]
        )

    def with_windows(image, kernel):
        return np.einsum(
            "ijkl,kl->ij", sliding_window_view(image, kernel.shape), kernel
        )

    def with_torch(image, kernel):
        t = torch.nn.functional.conv2d(
            torch.tensor(image)[None, None], torch.tensor(kernel)[None, None]
        )
        return t[0, 0].numpy()

    def ndimage_valid(image, kernel):
        kh, kw = kernel.shape
        full = scipy.ndimage.correlate(
            image, kernel, mode="constant", origin=(-(kh // 2), -(kw // 2))
        )
        return full[: image.shape[0] - kh + 1, : image.shape[1] - kw + 1]

    shortcuts = {
        "F.conv2d": via("conv2d"),
        "F.conv_nd": via("conv_nd"),
        "F.conv_nd_naive": via("conv_nd_naive"),
        "scipy.signal.correlate2d": lambda image, kernel: scipy.signal.correlate2d(
            image, kernel, "valid"
        ),
        "scipy.signal.correlate": lambda image, kernel: scipy.signal.correlate(
            image, kernel, "valid"
        ),
        "np.correlate": rows_with_np_correlate,
        "sliding_window_view": with_windows,
        "torch": with_torch,
    }
    # each shortcut computes the right numbers...
    for name, fn in shortcuts.items():
        image, kernel = (
            np.random.default_rng(0).normal(size=(5, 6)),
            np.arange(6.0).reshape(2, 3),
        )
        assert np.allclose(fn(image, kernel), _loops(image, kernel)), name
        # ...and still fails
        assert not check("ch04-conv2d-loops", fn), f"{name} passed"
    assert np.allclose(ndimage_valid(image, kernel), _loops(image, kernel))
    assert not check("ch04-conv2d-loops", ndimage_valid)
    # the honest loops still pass after all that
    assert check("ch04-conv2d-loops", _loops)
    # restored
    assert F.conv2d is ch04.conv2d and scipy.signal.correlate2d(
        np.eye(2), np.eye(1)
    ).shape == (2, 2)


def test_conv2d_loops_catches_torch_imported_inside_the_function():
    import subprocess
    import sys

    probe = """
import numpy as np
from cnnlib.checks import check
def sneaky(image, kernel):
    import torch
    x, w = torch.tensor(image)[None, None], torch.tensor(kernel)[None, None]
    out = torch.nn.functional.conv2d(x, w)
    return out[0, 0].numpy()
print(check("ch04-conv2d-loops", sneaky))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout


def test_conv2d_loops_placeholders_and_non_functions(capsys):
    def starter(image, kernel): ...  # your loops

    assert not check("ch04-conv2d-loops", starter)
    assert "no answer yet" in capsys.readouterr().out
    assert not check("ch04-conv2d-loops", np.zeros((2, 2)))


@pytest.mark.parametrize(
    "case,expected",
    [((6, 3, 0, 2, 1), [5]), ((7, 3, 1, 2, 1), []), ((10, 3, 0, 4, 1), [3, 7, 8, 9]),
     ((5, 3, 0, 1, 1), []), ((3, 3, 0, 1, 3), [0, 1, 2])],
)
def test_never_read_known_cases(case, expected):
    assert ch04.never_read(*case) == expected


def test_never_read_is_exactly_what_the_convolution_ignores():
    rng = np.random.default_rng(7)
    cases = itertools.product(range(4, 9), (1, 2, 3), (0, 1), (1, 2, 3), (1, 2))
    for H, K, P, S, D in cases:
        if H + 2 * P - D * (K - 1) - 1 < 0:
            continue
        x = rng.normal(size=(1, 1, H, 1))
        w = rng.normal(size=(1, 1, K, 1)) + 3.0        # no zero weight
        base = conv2d(x, w, stride=(S, 1), padding=(P, 0), dilation=(D, 1))
        ignored = []
        for r in range(H):
            bumped = x.copy()
            bumped[0, 0, r, 0] += 1.0
            out = conv2d(bumped, w, stride=(S, 1), padding=(P, 0), dilation=(D, 1))
            if np.array_equal(out, base):
                ignored.append(r)
        assert ch04.never_read(H, K, P, S, D) == ignored, (H, K, P, S, D)
    with pytest.raises(ValueError):
        ch04.never_read(5, 3, stride=0)


def test_window_state_colours_never_read_cells():
    st = window_state(6, 3, padding=0, stride=2, dilation=1, step=0)
    assert st["never_read"] == [5]
    assert np.all(st["cells"][5, :] == ch04.NEVER_READ)
    assert np.all(st["cells"][:, 5] == ch04.NEVER_READ)
    assert not np.any(window_state(7, 3, 0, 2, 1)["cells"] == ch04.NEVER_READ)
    assert len(ch04.CELL_COLORS) == ch04.NEVER_READ + 1


def test_explorer_output_slider_ranges_over_the_actual_outputs():
    ex = make_sliding_window_explorer(size=7, kernel=3, padding=1, stride=2, dilation=1)
    assert ex.controls["step"].max == 4 * 4 - 1
    ex.controls["step"].value = 15
    ex.controls["size"].value = 5          # output 3 x 3
    assert ex.controls["step"].max == 8 and ex.controls["step"].value == 8
    ex.controls["dilation"].value = 3      # span 7 = padded 7: one output
    assert ex.controls["step"].max == 0
    ex.controls["kernel"].value = 4        # span 10 > 7: no output, range stays valid
    assert ex.controls["step"].max == 0 and ex.controls["step"].min == 0


def test_never_read_check(capsys):
    assert check("ch04-never-read", [[5], [3, 7, 8, 9]])
    assert check("ch04-never-read", [[5], [9, 8, 7, 3]])
    assert not check("ch04-never-read", [[5], [7, 8, 9]])
    assert not check("ch04-never-read", [[6], [3, 7, 8, 9]])
    assert not check("ch04-never-read", [[5]])
    assert not check("ch04-never-read", 5)


def test_web_grid_is_within_the_explorer_ranges():
    from cnnlib.chapters.ch04_dimensions_stride_padding.figures import WEB_GRID

    for name, values in WEB_GRID.items():
        lo, hi, _ = CONTROLS[name]
        assert all(lo <= v <= hi for v in values), name
    assert np.prod([len(v) for v in WEB_GRID.values()]) <= 60


def test_window_numbers_are_the_convolution_of_the_shown_values():
    n = ch04.window_numbers(3, 2, 0, 1, 1, 0)  # the chapter's worked example
    np.testing.assert_array_equal(n["output"], [[19, 25], [37, 43]])
    np.testing.assert_array_equal(n["products"], [0, 1, 6, 12])
    cases = itertools.product((3, 5, 7), (1, 2, 3), (0, 2), (1, 3), (1, 2))
    for H, K, P, S, D in cases:
        st = window_state(H, K, P, S, D, 0)
        if not st["fits"]:
            assert ch04.window_numbers(H, K, P, S, D)["value"] is None
            continue
        ref = conv2d(
            np.arange(H * H).reshape(1, 1, H, H) % 10.0,
            np.arange(K * K).reshape(1, 1, K, K) % 4.0,
            stride=S, padding=P, dilation=D,
        )[0, 0]
        for step in range(st["out"] ** 2):
            n = ch04.window_numbers(H, K, P, S, D, step)
            i, j = divmod(step, st["out"])
            np.testing.assert_array_equal(n["output"], ref)
            assert n["value"] == ref[i, j] == n["products"].sum()


def test_explorer_writes_the_numbers():
    ex = make_sliding_window_explorer()
    ex.update(size=3, kernel=2, padding=0, stride=1, dilation=1, step=1)
    ax_in, ax_out = ex.fig.axes[:2]
    (shown_out,), (shown_in,) = ([c.labels for c in ax.collections if hasattr(c, "labels")]
                                 for ax in (ax_out, ax_in))
    assert shown_out == ["19", "25"]  # outputs computed so far
    assert shown_in == [str(v % 10) for v in range(9)]
    line = [t.get_text() for t in ex.fig.texts][0]
    assert "y[0,1] = 1·0 + 2·1 + 4·2 + 5·3 = 25" in line
