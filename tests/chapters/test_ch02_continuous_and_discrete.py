"""Tests for chapter 2: its computation, explorer, exercise checks and quiz."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.signal  # noqa: E402

from cnnlib import counting, kernels  # noqa: E402
from cnnlib.chapters import ch02_continuous_and_discrete as ch02  # noqa: E402
from cnnlib.chapters.ch02_continuous_and_discrete import figures, quiz  # noqa: E402
from cnnlib.checks import check  # noqa: E402
from cnnlib.functional import (  # noqa: E402
    continuous_convolve,
    convolve,
    correlate,
    linear_matrix,
)

rng = np.random.default_rng(0)


@pytest.mark.parametrize("name", ch02.KERNELS)
def test_kernel_areas(name):
    z = np.linspace(-2, 2, 40001)
    g = ch02.kernel(name, 1.0)(z)
    if name == "difference":
        assert np.trapezoid(g[z < 0], z[z < 0]) == pytest.approx(1, abs=1e-3)
        assert np.trapezoid(g, z) == pytest.approx(0, abs=1e-3)
    else:
        assert np.trapezoid(g, z) == pytest.approx(1, abs=1e-3)
    assert np.all(g[np.abs(z) > 0.5 + 1e-9] == 0) or name == "Gaussian"


def test_kernel_bad_input():
    with pytest.raises(ValueError):
        ch02.kernel("sinc")
    with pytest.raises(ValueError):
        ch02.kernel("box", 0)
    with pytest.raises(ValueError):
        ch02.normal_pdf(0.0, -1)


def test_sliding_output_matches_continuous_convolve_and_numpy_correlate():
    z = np.linspace(-3, 3, 121)
    dz = z[1] - z[0]
    f = np.sin(3 * z) + 0.3 * z
    g = ch02.kernel("ramp", 0.83)  # edges off the grid, so rounding cannot move a jump
    # convolution: continuous_convolve samples g on the same grid; output positions t =
    # 2 z[0] + k dz
    t, y = continuous_convolve(f, g(z), z)
    conv = ch02.sliding_output(f, g, z, t, "convolution")
    assert np.allclose(conv, y)
    # cross-correlation at shift x = k dz: dz * sum_j f[j] g(z[j] - x) = dz *
    # numpy.correlate(f, g(z), 'same')
    corr = ch02.sliding_output(
        f, g, z, z - z[60], "cross-correlation"
    )  # shifts -3..3 around the centre
    assert np.allclose(corr, dz * np.correlate(f, g(z), "same"))
    step = ch02.sliding_step(f, g, z, 0.4, "convolution")
    assert step["value"] == pytest.approx(ch02.sliding_output(f, g, z, [0.4])[0])
    assert np.allclose(step["product"], f * g(0.4 - z))


def test_sliding_bad_input():
    z = np.linspace(0, 1, 11)
    g = ch02.kernel("box")
    with pytest.raises(ValueError):
        ch02.sliding_step(np.ones(5), g, z, 0.5)
    with pytest.raises(ValueError):
        ch02.sliding_step(np.ones(11), g, z, 0.5, operation="flip")
    with pytest.raises(ValueError):
        ch02.sliding_output(np.ones(3), g, np.array([0, 1, 3.0]), [0])


def test_convergence_box_and_gaussian():
    dxs = 1 / np.array([4, 8, 16, 32])
    box = ch02.kernel("box", 1.0)
    err = ch02.convergence(box, box, ch02.kernel("triangle", 2.0), dxs, 2.0)
    assert np.allclose(err, dxs)  # the two missed half-samples at the jumps
    g = lambda s: lambda z: ch02.normal_pdf(z, s)
    err = ch02.convergence(
        g(0.5), g(1.2), g(np.hypot(0.5, 1.2)), [1.0, 0.5, 0.25], 12.0
    )
    assert err[0] > 1e-3 and err[-1] < 1e-12
    with pytest.raises(ValueError):
        ch02.convergence(box, box, box, [0.0], 1.0)


@pytest.mark.parametrize("m", [1, 4, 7, 8])
@pytest.mark.parametrize("n", [1, 2, 3, 6, 9])
@pytest.mark.parametrize("mode", ch02.BOUNDARY_MODES)
def test_convolution_matrix(m, n, mode):
    """The notebook's matrix: linear_matrix of the one-line op convolve(a, v, mode)."""
    v, a = rng.normal(size=n), rng.normal(size=m)
    t = linear_matrix(lambda s: convolve(s, v, mode), (m,))
    assert np.allclose(t @ a, np.convolve(a, v, mode))
    assert np.allclose(t, scipy.linalg.convolution_matrix(v, m, mode))


def test_convolution_matrix_rows_are_the_flipped_kernel():
    v = np.array([1.0, 0.0, -1.0])
    t = linear_matrix(lambda s: convolve(s, v), (4,))
    assert t.shape == (6, 4)
    for i, row in enumerate(t):  # T[i, j] = v[i - j]
        expected = [v[i - j] if 0 <= i - j < 3 else 0.0 for j in range(4)]
        assert np.array_equal(row, expected)


def test_fit_kernel_recovers_flipped_kernel():
    x = rng.normal(size=200)
    w = np.array([1.0, -2.0, 0.5, 3.0])
    y = correlate(x, w, "valid")
    assert np.allclose(kernels.fit_kernel(x, y, 4), w)
    assert np.allclose(kernels.fit_kernel(x, y, 4, flip=True), w[::-1])
    assert np.allclose(convolve(x, w[::-1], "valid"), y)
    with pytest.raises(ValueError):
        kernels.fit_kernel(x, y[:-1], 4)


def test_fft_convolve_and_costs():
    a, v = rng.normal(size=37), rng.normal(size=11)
    assert np.allclose(ch02.fft_convolve(a, v), np.convolve(a, v))
    assert np.allclose(ch02.fft_convolve(a, v), scipy.signal.fftconvolve(a, v))
    direct, fft = ch02.direct_and_fft_multiplies(10_000, 3)
    assert direct < fft and direct == 30_000 == counting.conv_multiplies(
        (10_000,), (3,)
    )
    direct, fft = ch02.direct_and_fft_multiplies(10_000, 1_000)
    assert direct > fft
    with pytest.raises(ValueError):
        ch02.fft_convolve(np.ones((2, 2)), v)
    with pytest.raises(ValueError):
        ch02.direct_and_fft_multiplies(0, 3)


def test_explorer_updates_artists():
    z, f = ch02.eeg_window()
    assert z.shape == f.shape and np.allclose(np.diff(z), 1 / 80)
    explorer = figures.make_sliding_kernel_explorer()
    fig = explorer.fig
    ax_f, ax_p, ax_y = fig.axes
    kernel_line = ax_f.lines[1]
    before = (
        kernel_line.get_ydata().copy(),
        ax_y.lines[1].get_xdata().copy(),
        ax_p.get_title(),
    )
    value = explorer.update(kernel="ramp", x=6.7, operation="convolution", width=0.3)
    fig.canvas.draw()
    after = (
        kernel_line.get_ydata().copy(),
        ax_y.lines[1].get_xdata().copy(),
        ax_p.get_title(),
    )
    assert not np.allclose(before[0], after[0])
    assert len(before[1]) != len(after[1])
    assert before[2] != after[2]
    expected = ch02.sliding_step(f, ch02.kernel("ramp", 0.3), z, 6.7)["value"]
    assert value == pytest.approx(expected)
    # the output panel is drawn scaled to its largest value: the dot sits on the dashed
    # full output
    full = ax_y.lines[0].get_ydata()
    assert np.abs(full).max() == pytest.approx(1.0)
    assert ax_y.lines[2].get_ydata()[0] == pytest.approx(
        np.interp(6.7, z, full), abs=1e-3
    )
    assert f"{expected:+.3f}" in ax_y.get_title()
    # the ramp is not symmetric: flipping changes the kernel drawn and the output
    corr = explorer.update(
        kernel="ramp", x=6.7, operation="cross-correlation", width=0.3
    )
    assert not np.isclose(corr, value)
    # out-of-range slider values are clamped, not raised
    explorer.update(kernel="difference", x=100.0, operation="convolution", width=9.0)
    assert ax_y.lines[2].get_xdata()[0] == pytest.approx(z[-1])
    import matplotlib.pyplot as plt

    plt.close(fig)


def honest_loops(a, v):
    """An honest answer to ch02-loops: one product per pair of indices."""
    out = np.zeros(len(a) + len(v) - 1)
    for m in range(len(a)):
        for j in range(len(v)):
            out[m + j] += a[m] * v[j]
    return out


def test_exercise_checks(capsys):
    assert check("ch02-by-hand", [0, 1, 2.5, 4, 1.5])
    assert not check("ch02-by-hand", np.correlate([1, 2, 3], [0, 1, 0.5], "full"))

    assert check("ch02-loops", honest_loops)
    assert not check("ch02-loops", lambda a, v: np.correlate(a, v, "full"))
    assert check("ch02-gaussian-variance", 0.5**2 + 1.2**2)
    assert not check("ch02-gaussian-variance", 1.3)
    assert check("ch02-mode-lengths", (106, 100, 94))
    assert not check("ch02-mode-lengths", (106, 100, 93))
    out = capsys.readouterr().out
    assert "1.69" not in out and "106, 100, 94" not in out.split("✅")[0]


def torch_full_convolution(a, v):
    import torch  # imported by the function itself: the check must still refuse it

    kernel = torch.as_tensor(v[::-1].copy())[None, None]
    out = torch.conv1d(torch.as_tensor(a)[None, None], kernel, padding=len(v) - 1)
    return out[0, 0].numpy()


def test_loops_check_refuses_every_shortcut(capsys):
    """Plain loops only: numpy's, scipy's, cnnlib's and the FFT route fail."""
    n_full = lambda a, v: len(a) + len(v) - 1  # noqa: E731
    shortcuts = {
        "np.convolve": lambda a, v: np.convolve(a, v),
        "functional.convolve": lambda a, v: convolve(a, v),
        "correlate reversed": lambda a, v: correlate(a, v[::-1], "full"),
        "np.polymul": lambda a, v: np.polymul(a, v),
        "scipy.signal.convolve": lambda a, v: scipy.signal.convolve(a, v),
        "scipy.signal.fftconvolve": lambda a, v: scipy.signal.fftconvolve(a, v),
        "fft": lambda a, v: np.fft.irfft(
            np.fft.rfft(a, n_full(a, v)) * np.fft.rfft(v, n_full(a, v)), n_full(a, v)
        ),
        "the chapter's fft_convolve": lambda a, v: ch02.fft_convolve(a, v),
        "matrix": lambda a, v: scipy.linalg.convolution_matrix(v, len(a)) @ a,
        "torch": torch_full_convolution,
    }
    for name, fn in shortcuts.items():
        assert check("ch02-loops", fn) is False, name
        assert "asks you not to use" in capsys.readouterr().out, name
    assert check("ch02-loops", honest_loops)
    assert np.allclose(np.convolve([1.0, 2.0], [1.0, 1.0]), [1, 3, 2])  # restored after


def test_sliding_animation_is_a_small_self_contained_player():
    html = figures.sliding_animation(xs=[6.5, 6.7])
    assert "<script" in html.data and len(html.data) < 2_000_000


def test_quiz_numbers_are_computed():
    full = next(q for q in quiz.QUIZ if "full mode" in q["question"])
    right = next(a for a in full["answers"] if a.get("correct"))
    assert (
        right["range"][0] < len(convolve(np.zeros(50), np.zeros(5))) < right["range"][1]
    )
    assert "$" not in str(quiz.QUIZ)


def test_explorer_frames_equal_full_draws_as_the_controls_move():
    """Nothing but the animated artists changes, so the background is never redrawn."""
    explorer = figures.make_sliding_kernel_explorer()
    canvas = explorer.fig.canvas
    settings = [
        dict(kernel=name, x=x, operation=op, width=width)
        for name, x, op, width in zip(
            ch02.KERNELS * 2,
            np.linspace(6, 7.5, 10),
            ch02.OPERATIONS * 5,
            [0.05, 0.3, 0.5] * 4,
        )
    ]
    for values in settings:
        explorer.refresh(values)
        frame = np.array(canvas.buffer_rgba())
        explorer.fig.canvas.draw()  # the background alone
        [explorer.fig.draw_artist(a) for a in explorer.animated]
        assert np.array_equal(frame, np.array(canvas.buffer_rgba())), values
        [a.set_animated(False) for a in explorer.animated]
        canvas.draw()
        assert np.array_equal(frame, np.array(canvas.buffer_rgba())), values
        [a.set_animated(True) for a in explorer.animated]


# --- second edition: dice, the flip side by side, the web companion, equivariance ---


def test_dice_distribution_matches_enumeration():
    import itertools

    for n_dice, sides in [(1, 6), (2, 6), (3, 6), (2, 4)]:
        totals, p = ch02.dice_distribution(n_dice, sides)
        counts = np.zeros(len(totals))
        for roll in itertools.product(range(1, sides + 1), repeat=n_dice):
            counts[sum(roll) - n_dice] += 1
        assert totals[0] == n_dice and totals[-1] == n_dice * sides
        assert np.allclose(p, counts / sides**n_dice)
    with pytest.raises(ValueError):
        ch02.dice_distribution(0)
    with pytest.raises(ValueError):
        ch02.dice_distribution(2, sides=1)


def test_flip_animation_shows_both_operations_at_the_same_shift():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, sharex=True)
    ups = [figures._sliding_panels(axes=axes[:, c], compact=True)[1] for c in range(2)]
    values = [up(kernel="ramp", x=6.7, operation=op, width=0.25)
              for up, op in zip(ups, ch02.OPERATIONS)]
    z, f = ch02.eeg_window()
    for value, op in zip(values, ch02.OPERATIONS):
        expected = ch02.sliding_step(f, ch02.kernel("ramp", 0.25), z, 6.7, op)["value"]
        assert value == pytest.approx(expected)
    assert values[0] != pytest.approx(values[1])  # the ramp is lopsided: the flip shows
    kernels_drawn = [axes[0, c].lines[1].get_ydata() for c in range(2)]
    assert np.argmax(kernels_drawn[0]) < np.argmax(kernels_drawn[1])  # facing apart
    assert axes[0, 0].get_title().startswith("convolution")
    assert axes[0, 1].get_title().startswith("cross-correlation")
    plt.close(fig)
    html = figures.flip_animation(xs=[6.5, 6.7])
    assert "<script" in html.data and len(html.data) < 400_000


def test_sliding_web_explorer_frames_equal_the_live_explorer(tmp_path):
    import itertools

    explorer = figures.make_sliding_kernel_explorer()
    page = figures.sliding_web_explorer(explorer, folder=tmp_path).data
    grid = figures.sliding_web_grid()
    assert set(grid["kernel"]) <= set(ch02.KERNELS) and grid["operation"] == list(
        ch02.OPERATIONS
    )
    frames = sorted(tmp_path.glob("ch02-sliding/*.jpg"), key=lambda p: int(p.stem))
    combos = list(itertools.product(*grid.values()))
    assert len(frames) == len(combos) == 32 and "32 settings precomputed" in page
    assert sum(f.stat().st_size for f in frames) < 2_000_000
    for index in (0, 13, 31):
        values = dict(zip(grid, combos[index]))
        assert frames[index].read_bytes() == explorer.refresh(values), values
    assert frames[0].read_bytes() != frames[1].read_bytes()  # the operation changes


def test_equivariance_figure_marks_the_shift():
    import matplotlib.pyplot as plt

    x0 = np.concatenate([np.zeros(10), [0.0, 1.0, 3.0, 1.0], np.zeros(20)])
    x1 = np.roll(x0, 6)
    k = np.array([1.0, 2.0, 1.0])
    fig = figures.equivariance_figure(x0, x1, convolve(x0, k), convolve(x1, k), 6)
    labels = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text()]
    assert labels == ["6 samples", "6 samples"]
    assert "shifted by 6" in fig.axes[0].get_title()
    plt.close(fig)
