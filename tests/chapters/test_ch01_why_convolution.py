"""Tests for chapter 1: its computation, figures, explorer, exercise checks and quiz."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from scipy.signal import correlate, correlate2d  # noqa: E402

from cnnlib import counting, data  # noqa: E402
from cnnlib.chapters import ch01_why_convolution as ch01  # noqa: E402
from cnnlib.chapters.ch01_why_convolution import figures, quiz  # noqa: E402
from cnnlib.checks import check, ids  # noqa: E402
from cnnlib.functional import conv1d, conv2d, linear_matrix  # noqa: E402

rng = np.random.default_rng(0)


# --- the neuron and its loops -------------------------------------------------


def test_sigmoid_values_and_no_overflow():
    assert np.allclose(ch01.sigmoid([0.0, np.log(3.0)]), [0.5, 0.75])
    with np.errstate(over="raise"):
        assert np.allclose(ch01.sigmoid([-1000.0, 1000.0]), [0.0, 1.0])


def identity(z):
    return np.asarray(z, dtype=float)


def test_neuron_is_activation_of_dot_product():
    window, weight = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    assert ch01.neuron(window, weight, 0.5, identity) == pytest.approx(
        0.5 - 2 + 6 + 0.5
    )
    assert ch01.neuron(window, weight, -10.0, ch01.relu) == 0.0
    with pytest.raises(ValueError, match="shape"):
        ch01.neuron(window, weight[:2])


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_neuron_at_every_window_matches_numpy_correlate(stride):
    """The notebook's loop: the same neuron called at every window (stride s)."""
    x, w = rng.normal(size=30), rng.normal(size=4)
    expected = ch01.sigmoid(correlate(x, w, mode="valid")[::stride] + 0.3)
    n_out = (30 - 4) // stride + 1
    got = [ch01.neuron(x[n * stride : n * stride + 4], w, 0.3) for n in range(n_out)]
    assert np.allclose(got, expected)


def test_neuron_on_channel_windows_matches_conv1d():
    x, w = rng.normal(size=(3, 25)), rng.normal(size=(3, 5))
    expected = np.tanh(conv1d(x[None], w[None], np.array([-0.2]))[0, 0])
    got = [ch01.neuron(x[:, n : n + 5], w, -0.2, np.tanh) for n in range(21)]
    assert np.allclose(got, expected)


def test_slide_neuron_2d_matches_scipy():
    img, w = rng.normal(size=(9, 11)), rng.normal(size=(3, 4))
    expected = ch01.sigmoid(correlate2d(img, w, mode="valid") + 1.0)
    assert np.allclose(ch01.slide_neuron_2d(img, w, 1.0), expected)
    img3, w3 = rng.normal(size=(3, 7, 8)), rng.normal(size=(3, 3, 3))
    expected3 = sum(correlate2d(img3[c], w3[c], mode="valid") for c in range(3))
    assert np.allclose(ch01.slide_neuron_2d(img3, w3, 0.0, identity), expected3)
    with pytest.raises(ValueError, match="larger"):
        ch01.slide_neuron_2d(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="do not match"):
        ch01.slide_neuron_2d(np.zeros((2, 5, 5)), np.zeros((3, 3, 3)))


# --- dense matrices: functional.linear_matrix of the chapter's ops -------------------


def conv1d_op(w, stride=1):
    """The one-line op the notebook passes to linear_matrix."""
    return lambda x: conv1d(x[None, None], w[None, None], stride=stride)


@pytest.mark.parametrize("stride", [1, 2])
def test_conv_matrix_1d(stride):
    w, x = rng.normal(size=3), rng.normal(size=12)
    m = linear_matrix(conv1d_op(w, stride), (12,))
    assert m.shape == ((12 - 3) // stride + 1, 12)
    assert np.allclose(m @ x, correlate(x, w, mode="valid")[::stride])
    assert np.count_nonzero(m) == 3 * m.shape[0]
    for n, row in enumerate(m):  # row n: the kernel at columns n*stride .. n*stride + 2
        assert np.array_equal(row[n * stride : n * stride + 3], w)


def test_conv_matrix_1d_is_toeplitz():
    m = linear_matrix(conv1d_op(np.array([1.0, 2.0, 3.0])), (8,))
    assert np.allclose(m[1:, 1:], m[:-1, :-1])  # constant along every diagonal


def test_conv_matrix_2d_matches_conv2d_and_scipy():
    w, img = rng.normal(size=(3, 2)), rng.normal(size=(6, 5))
    m = linear_matrix(lambda a: conv2d(a[None, None], w[None, None]), img.shape)
    assert m.shape == (4 * 4, 30)
    assert np.allclose(m @ img.ravel(), correlate2d(img, w, mode="valid").ravel())
    assert np.allclose(
        m @ img.ravel(), conv2d(img[None, None], w[None, None])[0, 0].ravel()
    )
    assert np.count_nonzero(m) == counting.conv_multiplies((4, 4), (3, 2))


def test_conv_matrix_errors():
    with pytest.raises(
        ValueError
    ):  # a kernel longer than the signal: the op's own error
        linear_matrix(conv1d_op(np.ones(6)), (5,))
    with pytest.raises(ValueError):
        linear_matrix(lambda a: conv2d(a[None, None], np.ones((1, 1, 4, 4))), (3, 5))


# --- counting -----------------------------------------------------------------


def test_parameter_counts():
    dense, conv = ch01.parameter_counts([28, 32, 256])
    assert dense.tolist() == [
        530_660,
        32 * 32 * 30 * 30 + 30 * 30,
        256**2 * 254**2 + 254**2,
    ]
    assert conv.tolist() == [10, 10, 10]
    dense3, conv3 = ch01.parameter_counts([32], kernel_size=3, c_in=3, c_out=16)
    assert dense3[0] == 44_251_200 and conv3[0] == 448
    with pytest.raises(ValueError):
        ch01.parameter_counts([2, 8], kernel_size=3)


# --- EEG neurons and the two-layer stack -------------------------------------------


def test_eeg_neurons():
    neurons = ch01.eeg_neurons()
    assert set(neurons) == {"rising", "falling", "oscillation"}
    ramp, _ = neurons["rising"]
    assert ramp @ np.arange(5.0) == pytest.approx(10.0)  # 10 x the slope of a unit ramp
    cycles, _ = neurons["oscillation"]
    n = np.arange(24)
    assert cycles @ np.sin(2 * np.pi * 10 * n / 80) == pytest.approx(
        0.0, abs=1e-12
    )  # deaf to 10 Hz
    assert cycles @ np.cos(2 * np.pi * n / 12) == pytest.approx(0.4 * 12)


def test_peak_stack_finds_the_spikes_and_its_receptive_field():
    t, traces = data.eeg()
    a, b = ch01.peak_stack(traces[0])
    assert a.shape == (2, 796) and b.shape == (790,)
    found = t[: b.size][b > 0.5]
    assert any(abs(found - 6.66) < 0.05) and any(abs(found - 8.56) < 0.05)
    depends = ch01.input_influence(lambda s: ch01.peak_stack(s)[1], traces[0], 300)
    assert np.array_equal(np.flatnonzero(depends), np.arange(300, 311))
    assert depends.sum() == counting.receptive_field([(5, 1, 1), (7, 1, 1)])[0]
    with pytest.raises(ValueError):
        ch01.peak_stack(traces[:2])


def test_input_influence_two_linear_layers():
    w = np.array([1.0, -2.0, 0.5])

    def two_layers(s):
        return np.convolve(np.convolve(s, w, "valid"), w, "valid")

    depends = ch01.input_influence(two_layers, rng.normal(size=20), 4)
    assert np.flatnonzero(depends).tolist() == [4, 5, 6, 7, 8]
    with pytest.raises(ValueError, match="outside"):
        ch01.input_influence(two_layers, np.zeros(20), 16)


# --- 2D: a bank of filters, and Network in Network --------------------------------


def test_colour_feature_bank_responds_to_the_right_features():
    bank, names = ch01.colour_feature_bank()
    assert bank.shape == (3, 3, 3, 3) and len(names) == 3
    img = np.zeros((3, 8, 8))
    img[:, 4:, :] = 1.0  # dark top, bright bottom: a horizontal edge
    maps = conv2d(img[None], bank)[0]
    assert maps[0].max() > 1 and np.allclose(maps[1], 0)
    red = np.zeros((3, 5, 5))
    red[0] = 1.0
    assert np.allclose(conv2d(red[None], bank)[0, 2], 1.0)
    green = red[[1, 0, 2]]
    assert np.allclose(conv2d(green[None], bank)[0, 2], -1.0)


def test_one_by_one_conv_is_per_pixel_matmul():
    x, m = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3))
    assert np.allclose(conv2d(x, m[:, :, None, None]), np.einsum("oc,nchw->nohw", m, x))


def test_mlpconv_equals_an_mlp_on_every_patch():
    x = rng.normal(size=(1, 2, 6, 7))
    weights = [rng.normal(size=(5, 2, 3, 3)), rng.normal(size=(3, 5, 1, 1))]
    biases = [rng.normal(size=5), rng.normal(size=3)]
    out = ch01.mlpconv(x, weights, biases)
    assert out.shape == (1, 3, 4, 5)
    for i in range(4):
        for j in range(5):
            h = x[0, :, i : i + 3, j : j + 3].ravel()
            for w, b in zip(weights, biases):
                h = np.maximum(w.reshape(w.shape[0], -1) @ h + b, 0)
            assert np.allclose(out[0, :, i, j], h)
    with pytest.raises(ValueError, match="1x1"):
        ch01.mlpconv(x, [weights[0], rng.normal(size=(3, 5, 3, 3))], biases)
    with pytest.raises(ValueError):
        ch01.mlpconv(x, weights, biases[:1])


def test_draw_stack_highlights_the_receptive_field():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert figures.draw_stack(ax, [3, 3]) == 5
    stack = [(3, 1, 1), (5, 1, 1), (2, 1, 1)]
    assert (
        figures.draw_stack(ax, [3, 5, 2], n_in=15) == counting.receptive_field(stack)[0]
    )
    with pytest.raises(ValueError):
        figures.draw_stack(ax, [7, 7], n_in=10)
    plt.close(fig)


# --- the explorer ---------------------------------------------------------------


def test_window_explorer_updates_artists_in_place():
    import time

    explorer = figures.make_window_explorer()
    fig = explorer.fig
    FigureCanvasAgg(fig)
    ax_in, ax_out, ax_win, ax_txt = fig.axes
    shade = ax_in.patches[0]
    explorer.update(position=10, neuron="rising", channel=0)
    fig.canvas.draw()
    x0, text0 = shade.get_x(), ax_txt.texts[0].get_text()
    done0 = ax_out.lines[1].get_xdata().size
    n_artists = len(fig.findobj())
    start = time.perf_counter()
    explorer.update(position=100, neuron="oscillation", channel=1)
    fig.canvas.draw()
    elapsed = time.perf_counter() - start
    assert shade.get_x() > x0 and shade.get_width() == pytest.approx(24 / 80)
    assert ax_txt.texts[0].get_text() != text0
    assert ax_out.lines[1].get_xdata().size == 101 > done0
    assert ax_win.lines[1].get_xdata().size == 24
    assert len(fig.findobj()) == n_artists  # nothing new was drawn, only changed
    assert elapsed < 1.0  # generous: the benchmark holds it to 50 ms
    # the slider's maximum is clamped for the longest neuron: never raises, last window
    # fits
    explorer.update(position=10_000, neuron="oscillation", channel=7)
    assert ax_out.lines[1].get_xdata().size == 240 - 24 + 1
    frames = ch01.window_frames(24)
    assert len(frames) == 24 and frames[-1]["position"] == 240 - 5
    with pytest.raises(ValueError):
        ch01.window_frames(31)


def test_window_animation_is_a_self_contained_player():
    html = figures.window_animation(n_frames=2)
    assert "<script" in html.data and "img" in html.data


# --- exercise checks ---------------------------------------------------------------


def test_exercise_ids_are_registered():
    assert {
        "ch01-param-count",
        "ch01-receptive-field",
        "ch01-by-hand",
        "ch01-slide-2d",
        "ch01-dense-nonzeros",
    } <= set(ids())


def loops_2d(image, weight, bias):
    """An honest answer to ch01-slide-2d: two loops, one neuron call per output."""
    kh, kw = weight.shape
    out = np.empty((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for n in range(out.shape[0]):
        for m in range(out.shape[1]):
            out[n, m] = ch01.sigmoid(
                np.sum(image[n : n + kh, m : m + kw] * weight) + bias
            )
    return out


def test_exercise_checks_accept_right_and_reject_wrong_answers(capsys):
    assert check("ch01-param-count", (44_251_200, 448))
    assert not check("ch01-param-count", (44_236_800, 448))  # forgot the biases
    assert not check("ch01-param-count", 448)
    assert check("ch01-receptive-field", 14)
    assert not check("ch01-receptive-field", 9)
    assert check("ch01-by-hand", [0, 2, 2])
    assert not check("ch01-by-hand", [-2, 2, 2])  # forgot the ReLU
    assert check("ch01-dense-nonzeros", 6084)
    assert not check("ch01-dense-nonzeros", 529_984)
    assert check("ch01-slide-2d", loops_2d)
    assert (
        check("ch01-slide-2d", lambda img, w, b: ch01.slide_neuron_2d(img, w, b))
        is False
    )
    flipped = lambda img, w, b: loops_2d(img, w[::-1, ::-1], b)  # noqa: E731
    assert not check("ch01-slide-2d", flipped)
    out = capsys.readouterr().out
    assert "44251200" not in out and "44,251,200" not in out  # never reveals the answer


def torch_conv2d(img, w, b):
    import torch  # imported by the function itself: the check must still refuse it

    x = torch.as_tensor(img)[None, None]
    y = torch.nn.functional.conv2d(x, torch.as_tensor(w)[None, None])
    return ch01.sigmoid(y[0, 0].numpy() + b)


def test_slide_2d_check_refuses_every_shortcut(capsys):
    """The exercise asks for loops: a library convolution (or the chapter's) fails."""
    import scipy.ndimage
    import scipy.signal
    from numpy.lib.stride_tricks import sliding_window_view

    def windows(img, w, b):
        view = sliding_window_view(img, w.shape)
        return ch01.sigmoid(np.einsum("ijkl,kl->ij", view, w) + b)

    shortcuts = {
        "conv2d": lambda img, w, b: ch01.sigmoid(
            conv2d(img[None, None], w[None, None], np.array([b]))[0, 0]
        ),
        "correlate2d": lambda img, w, b: ch01.sigmoid(
            scipy.signal.correlate2d(img, w, mode="valid") + b
        ),
        "scipy.signal.correlate": lambda img, w, b: ch01.sigmoid(
            scipy.signal.correlate(img, w, mode="valid") + b
        ),
        "ndimage": lambda img, w, b: ch01.sigmoid(scipy.ndimage.correlate(img, w) + b),
        "sliding_window_view": windows,
        "the chapter's loop": lambda img, w, b: ch01.slide_neuron_2d(img, w, b),
        "torch": torch_conv2d,
    }
    for name, fn in shortcuts.items():
        assert check("ch01-slide-2d", fn) is False, name
        assert "asks you not to use" in capsys.readouterr().out, name
    assert check("ch01-slide-2d", loops_2d)
    assert (
        conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).sum() == 16
    )  # restored after


# --- the quiz -------------------------------------------------------------------------


def test_quiz_numbers_are_computed():
    numeric = [q for q in quiz.QUIZ if q["type"] == "numeric"]
    assert numeric
    for q in numeric:
        for a in q["answers"]:
            if a.get("correct") and a["type"] == "range":
                assert a["range"][0] < a["range"][1]
    assert "$" not in str(quiz.QUIZ)


def test_blitted_moves_match_full_draws_without_resetting_the_background():
    """Stale-background check: channel changes redraw, every other move only blits."""
    explorer = figures.make_window_explorer()
    canvas = explorer.fig.canvas

    def full_draw():
        """The figure drawn whole, every artist in its zorder."""
        for artist in explorer.animated:
            artist.set_animated(False)
        canvas.draw()
        pixels = np.array(canvas.buffer_rgba())
        for artist in explorer.animated:
            artist.set_animated(True)
        return pixels

    moves = [(40, "rising", 0), (41, "falling", 0), (200, "oscillation", 2),
             (3, "oscillation", 2), (120, "rising", 3), (121, "rising", 3)]  # fmt: skip
    for position, neuron, channel in moves:
        explorer.refresh(dict(position=position, neuron=neuron, channel=channel))
        blitted = np.array(canvas.buffer_rgba())
        assert np.array_equal(blitted, full_draw()), (position, neuron, channel)


# --- second edition: locality vs sharing, the copies view, weights, web companion ----


def test_sharing_counts_separate_locality_from_sharing():
    counts = ch01.sharing_counts(side=28, kernel_size=3)
    assert list(counts) == ["dense", "locally connected", "convolution"]
    assert [p for p, _ in counts.values()] == [530_660, 6_760, 10]
    # a locally connected layer has its own filter per output unit: build one, count
    out = 26
    weights = rng.normal(size=(out, out, 3, 3))
    assert weights.size + out * out == counts["locally connected"][0]
    # sharing saves parameters, not multiplications
    assert counts["locally connected"][1] == counts["convolution"][1]
    assert counts["convolution"][1] == counting.conv_multiplies((26, 26), (3, 3))
    assert counts["dense"][1] == 784 * 676
    colour = ch01.sharing_counts(side=32, kernel_size=3, c_in=3, c_out=16)
    assert colour["dense"][0] == counting.dense_params(3072, 30 * 30 * 16)
    assert colour["locally connected"][0] == 30 * 30 * 16 * (27 + 1)
    assert colour["convolution"][0] == counting.conv_params(3, 16, (3, 3)) == 448
    assert ch01.sharing_counts(5, 3, bias=False)["convolution"][0] == 9
    with pytest.raises(ValueError, match="larger"):
        ch01.sharing_counts(side=2, kernel_size=3)


def test_copies_figure_draws_one_box_per_window():
    import matplotlib.pyplot as plt

    fig = figures.copies_figure(n_in=9, kernel_size=3)
    ax = fig.axes[0]
    boxes = [t for t in ax.texts if t.get_text() == "A"]
    outputs = [t for t in ax.texts if t.get_text().startswith("$y_")]
    assert len(boxes) == len(outputs) == 7 == len(ax.patches)
    # each copy has kernel_size connections: 7 copies x 3 lines, plus the 7 output stems
    assert len(ax.lines) == 7 * 3 + 7
    plt.close(fig)
    fig = figures.copies_figure(n_in=5, kernel_size=5)
    assert len([t for t in fig.axes[0].texts if t.get_text() == "A"]) == 1
    plt.close(fig)
    with pytest.raises(ValueError):
        figures.copies_figure(n_in=3, kernel_size=4)


def test_weight_figures_show_the_weights_themselves():
    import matplotlib.pyplot as plt

    weight_a, _, weight_b, _ = ch01.peak_detector()
    fig = figures.peak_weights_figure()
    shown = fig.axes[1].images[0].get_array()
    assert np.array_equal(shown, weight_b[0])
    stems = [c for c in fig.axes[0].containers]
    assert len(stems) == 2
    assert np.array_equal(stems[0].markerline.get_ydata(), weight_a[0, 0])
    plt.close(fig)
    bank, names = ch01.colour_feature_bank()
    fig = figures.bank_filters_figure(bank, names)
    assert len(fig.axes) == 9
    for o in range(3):
        for c in range(3):
            assert np.array_equal(fig.axes[3 * o + c].images[0].get_array(), bank[o, c])
    plt.close(fig)
    with pytest.raises(ValueError):
        figures.bank_filters_figure(bank[:, :2], names)
    with pytest.raises(ValueError):
        figures.bank_filters_figure(bank, names[:2])


def test_red_green_filter_has_both_signs_on_the_flower():
    photo = data.image("flower", size=(107, 160))
    bank, _ = ch01.colour_feature_bank()
    rg = conv2d(photo.transpose(2, 0, 1)[None], bank)[0, 2]
    assert rg.min() < -0.2 and rg.max() > 0.2
    green = np.zeros((5, 5, 3))
    green[..., 1] = 1.0
    assert np.allclose(conv2d(green.transpose(2, 0, 1)[None], bank)[0, 2], -1.0)


def test_web_grid_positions_fit_every_neuron():
    grid = figures.window_web_grid()
    assert set(grid) == {"position", "neuron", "channel"}
    assert len(grid["position"]) == figures.WEB_POSITIONS
    assert grid["position"][0] == 0 and grid["position"][-1] == 240 - 24
    assert grid["neuron"] == list(ch01.eeg_neurons()) and grid["channel"] == [0, 1]


def test_window_web_explorer_frames_equal_the_live_explorer(tmp_path):
    import itertools

    explorer = figures.make_window_explorer()
    page = figures.window_web_explorer(explorer, folder=tmp_path).data
    grid = figures.window_web_grid()
    order = list(itertools.product(*grid.values()))  # frame k is setting order[k]
    assert len(order) == 48 and "48 settings precomputed" in page
    sizes = [p.stat().st_size for p in tmp_path.glob("ch01-window/*.jpg")]
    assert len(sizes) == 48 and sum(sizes) < 2_000_000
    for setting in [(0, "rising", 0), (216, "oscillation", 1), (93, "falling", 1)]:
        frame = (tmp_path / "ch01-window" / f"{order.index(setting)}.jpg").read_bytes()
        assert frame == explorer.refresh(dict(zip(grid, setting))), setting
    first, second = (tmp_path / "ch01-window" / f"{i}.jpg" for i in (0, 6))
    assert first.read_bytes() != second.read_bytes()  # the next position moves
    assert 'id="cnnlib-ch01-window"' in page and "<select" in page
