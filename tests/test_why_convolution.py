"""Tests for chapter 1: cnnlib.sharing, its explorer and its exercise checks."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from scipy.signal import correlate, correlate2d  # noqa: E402

from cnnlib import counting, data, sharing  # noqa: E402
from cnnlib.exercises import check, ids  # noqa: E402
from cnnlib.functional import conv1d, conv2d  # noqa: E402

rng = np.random.default_rng(0)


# --- the neuron and its loops -------------------------------------------------

def test_sigmoid_values_and_no_overflow():
    assert np.allclose(sharing.sigmoid([0.0, np.log(3.0)]), [0.5, 0.75])
    with np.errstate(over="raise"):
        assert np.allclose(sharing.sigmoid([-1000.0, 1000.0]), [0.0, 1.0])


def test_neuron_is_activation_of_dot_product():
    window, weight = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    assert sharing.neuron(window, weight, 0.5, sharing.identity) == pytest.approx(0.5 - 2 + 6 + 0.5)
    assert sharing.neuron(window, weight, -10.0, sharing.relu) == 0.0
    with pytest.raises(ValueError, match="shape"):
        sharing.neuron(window, weight[:2])


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_slide_neuron_matches_numpy_correlate(stride):
    x, w = rng.normal(size=30), rng.normal(size=4)
    expected = sharing.sigmoid(correlate(x, w, mode="valid")[::stride] + 0.3)
    assert np.allclose(sharing.slide_neuron(x, w, 0.3, stride=stride), expected)


def test_slide_neuron_channels_match_conv1d():
    x, w = rng.normal(size=(3, 25)), rng.normal(size=(3, 5))
    expected = np.tanh(conv1d(x[None], w[None], np.array([-0.2]))[0, 0])
    assert np.allclose(sharing.slide_neuron(x, w, -0.2, np.tanh), expected)


def test_slide_neuron_errors():
    with pytest.raises(ValueError, match="do not match"):
        sharing.slide_neuron(np.zeros((2, 10)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="longer"):
        sharing.slide_neuron(np.zeros(3), np.zeros(5))
    with pytest.raises(ValueError, match="stride"):
        sharing.slide_neuron(np.zeros(10), np.zeros(3), stride=0)


def test_slide_neuron_2d_matches_scipy():
    img, w = rng.normal(size=(9, 11)), rng.normal(size=(3, 4))
    expected = sharing.sigmoid(correlate2d(img, w, mode="valid") + 1.0)
    assert np.allclose(sharing.slide_neuron_2d(img, w, 1.0), expected)
    img3, w3 = rng.normal(size=(3, 7, 8)), rng.normal(size=(3, 3, 3))
    expected3 = sum(correlate2d(img3[c], w3[c], mode="valid") for c in range(3))
    assert np.allclose(sharing.slide_neuron_2d(img3, w3, 0.0, sharing.identity), expected3)
    with pytest.raises(ValueError, match="larger"):
        sharing.slide_neuron_2d(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="do not match"):
        sharing.slide_neuron_2d(np.zeros((2, 5, 5)), np.zeros((3, 3, 3)))


# --- dense matrices -------------------------------------------------------------

@pytest.mark.parametrize("stride", [1, 2])
def test_conv_matrix_1d(stride):
    w, x = rng.normal(size=3), rng.normal(size=12)
    m = sharing.conv_matrix_1d(w, 12, stride)
    assert m.shape == ((12 - 3) // stride + 1, 12)
    assert np.allclose(m @ x, correlate(x, w, mode="valid")[::stride])
    assert np.count_nonzero(m) == 3 * m.shape[0]


def test_conv_matrix_1d_is_toeplitz():
    m = sharing.conv_matrix_1d(np.array([1.0, 2.0, 3.0]), 8)
    assert np.allclose(m[1:, 1:], m[:-1, :-1])        # constant along every diagonal


def test_conv_matrix_2d_matches_conv2d_and_scipy():
    w, img = rng.normal(size=(3, 2)), rng.normal(size=(6, 5))
    m = sharing.conv_matrix_2d(w, img.shape)
    assert m.shape == (4 * 4, 30)
    assert np.allclose(m @ img.ravel(), correlate2d(img, w, mode="valid").ravel())
    assert np.allclose(m @ img.ravel(), conv2d(img[None, None], w[None, None])[0, 0].ravel())


def test_conv_matrix_errors():
    with pytest.raises(ValueError):
        sharing.conv_matrix_1d(np.ones((2, 2)), 5)
    with pytest.raises(ValueError):
        sharing.conv_matrix_1d(np.ones(6), 5)
    with pytest.raises(ValueError):
        sharing.conv_matrix_2d(np.ones((4, 4)), (3, 5))


# --- counting -----------------------------------------------------------------

def test_parameter_counts():
    dense, conv = sharing.parameter_counts([28, 32, 256])
    assert dense.tolist() == [530_660, 32 * 32 * 30 * 30 + 30 * 30, 256**2 * 254**2 + 254**2]
    assert conv.tolist() == [10, 10, 10]
    dense3, conv3 = sharing.parameter_counts([32], kernel_size=3, c_in=3, c_out=16)
    assert dense3[0] == 44_251_200 and conv3[0] == 448
    with pytest.raises(ValueError):
        sharing.parameter_counts([2, 8], kernel_size=3)


# --- EEG neurons and the two-layer stack -------------------------------------------

def test_eeg_neurons():
    neurons = sharing.eeg_neurons()
    assert set(neurons) == {"rising", "falling", "oscillation"}
    ramp, _ = neurons["rising"]
    assert ramp @ np.arange(5.0) == pytest.approx(10.0)          # 10 x the slope of a unit ramp
    cycles, _ = neurons["oscillation"]
    n = np.arange(24)
    assert cycles @ np.sin(2 * np.pi * 10 * n / 80) == pytest.approx(0.0, abs=1e-12)   # deaf to 10 Hz
    assert cycles @ np.cos(2 * np.pi * n / 12) == pytest.approx(0.4 * 12)


def test_peak_stack_finds_the_spikes_and_its_receptive_field():
    t, traces = data.eeg()
    a, b = sharing.peak_stack(traces[0])
    assert a.shape == (2, 796) and b.shape == (790,)
    found = t[:b.size][b > 0.5]
    assert any(abs(found - 6.66) < 0.05) and any(abs(found - 8.56) < 0.05)
    depends = sharing.input_influence(lambda s: sharing.peak_stack(s)[1], traces[0], 300)
    assert np.array_equal(np.flatnonzero(depends), np.arange(300, 311))
    assert depends.sum() == counting.receptive_field([(5, 1, 1), (7, 1, 1)])[0]
    with pytest.raises(ValueError):
        sharing.peak_stack(traces[:2])


def test_input_influence_two_linear_layers():
    w = np.array([1.0, -2.0, 0.5])

    def two_layers(s):
        return np.convolve(np.convolve(s, w, "valid"), w, "valid")

    depends = sharing.input_influence(two_layers, rng.normal(size=20), 4)
    assert np.flatnonzero(depends).tolist() == [4, 5, 6, 7, 8]
    with pytest.raises(ValueError, match="outside"):
        sharing.input_influence(two_layers, np.zeros(20), 16)


# --- 2D: a bank of filters, and Network in Network --------------------------------

def test_colour_feature_bank_responds_to_the_right_features():
    bank, names = sharing.colour_feature_bank()
    assert bank.shape == (3, 3, 3, 3) and len(names) == 3
    img = np.zeros((3, 8, 8))
    img[:, 4:, :] = 1.0                         # dark top, bright bottom: a horizontal edge
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
    out = sharing.mlpconv(x, weights, biases)
    assert out.shape == (1, 3, 4, 5)
    for i in range(4):
        for j in range(5):
            h = x[0, :, i:i + 3, j:j + 3].ravel()
            for w, b in zip(weights, biases):
                h = np.maximum(w.reshape(w.shape[0], -1) @ h + b, 0)
            assert np.allclose(out[0, :, i, j], h)
    with pytest.raises(ValueError, match="1x1"):
        sharing.mlpconv(x, [weights[0], rng.normal(size=(3, 5, 3, 3))], biases)
    with pytest.raises(ValueError):
        sharing.mlpconv(x, weights, biases[:1])


def test_draw_stack_highlights_the_receptive_field():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    assert sharing.draw_stack(ax, [3, 3]) == 5
    assert sharing.draw_stack(ax, [3, 5, 2], n_in=15) == counting.receptive_field([(3, 1, 1), (5, 1, 1), (2, 1, 1)])[0]
    with pytest.raises(ValueError):
        sharing.draw_stack(ax, [7, 7], n_in=10)
    plt.close(fig)


# --- the explorer ---------------------------------------------------------------

def test_window_explorer_updates_artists_in_place():
    import time
    from cnnlib.widgets.why_convolution import make_window_explorer, window_frames
    explorer = make_window_explorer()
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
    assert len(fig.findobj()) == n_artists                  # nothing new was drawn, only changed
    assert elapsed < 1.0                                     # generous: the benchmark holds it to 50 ms
    # the slider's maximum is clamped for the longest neuron: never raises, last window fits
    explorer.update(position=10_000, neuron="oscillation", channel=7)
    assert ax_out.lines[1].get_xdata().size == 240 - 24 + 1
    frames = window_frames(24)
    assert len(frames) == 24 and frames[-1]["position"] == 240 - 5
    with pytest.raises(ValueError):
        window_frames(31)


# --- exercise checks ---------------------------------------------------------------

def test_exercise_ids_are_registered():
    assert {"ch01-param-count", "ch01-receptive-field", "ch01-by-hand", "ch01-slide-2d",
            "ch01-dense-nonzeros"} <= set(ids())


def test_exercise_checks_accept_right_and_reject_wrong_answers(capsys):
    assert check("ch01-param-count", (44_251_200, 448))
    assert not check("ch01-param-count", (44_236_800, 448))          # forgot the biases
    assert not check("ch01-param-count", 448)
    assert check("ch01-receptive-field", 14)
    assert not check("ch01-receptive-field", 9)
    assert check("ch01-by-hand", [0, 2, 2])
    assert not check("ch01-by-hand", [-2, 2, 2])                      # forgot the ReLU
    assert check("ch01-dense-nonzeros", 6084)
    assert not check("ch01-dense-nonzeros", 529_984)
    assert check("ch01-slide-2d", lambda img, w, b: sharing.slide_neuron_2d(img, w, b))
    assert not check("ch01-slide-2d", lambda img, w, b: sharing.slide_neuron_2d(img, w[::-1, ::-1], b))
    out = capsys.readouterr().out
    assert "44251200" not in out and "44,251,200" not in out          # never reveals the answer
