"""Tests for chapter 2: cnnlib.sliding, its explorer and its exercise checks."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import scipy.linalg
import scipy.signal

from cnnlib import sliding
from cnnlib.exercises import check
from cnnlib.functional import continuous_convolve, convolve, correlate

rng = np.random.default_rng(0)


@pytest.mark.parametrize("name", sliding.KERNELS)
def test_kernel_areas(name):
    z = np.linspace(-2, 2, 40001)
    g = sliding.kernel(name, 1.0)(z)
    if name == "difference":
        assert np.trapezoid(g[z < 0], z[z < 0]) == pytest.approx(1, abs=1e-3)
        assert np.trapezoid(g, z) == pytest.approx(0, abs=1e-3)
    else:
        assert np.trapezoid(g, z) == pytest.approx(1, abs=1e-3)
    assert np.all(g[np.abs(z) > 0.5 + 1e-9] == 0) or name == "Gaussian"


def test_kernel_bad_input():
    with pytest.raises(ValueError):
        sliding.kernel("sinc")
    with pytest.raises(ValueError):
        sliding.kernel("box", 0)
    with pytest.raises(ValueError):
        sliding.gaussian(0.0, -1)


def test_sliding_output_matches_continuous_convolve_and_numpy_correlate():
    z = np.linspace(-3, 3, 121)
    dz = z[1] - z[0]
    f = np.sin(3 * z) + 0.3 * z
    g = sliding.kernel("ramp", 0.83)   # edges off the grid, so rounding cannot move a jump
    # convolution: continuous_convolve samples g on the same grid; output positions t = 2 z[0] + k dz
    t, y = continuous_convolve(f, g(z), z)
    conv = sliding.sliding_output(f, g, z, t, "convolution")
    assert np.allclose(conv, y)
    # cross-correlation at shift x = k dz: dz * sum_j f[j] g(z[j] - x) = dz * numpy.correlate(f, g(z), 'same')
    corr = sliding.sliding_output(f, g, z, z - z[60], "cross-correlation")   # shifts -3..3 around the centre
    assert np.allclose(corr, dz * np.correlate(f, g(z), "same"))
    step = sliding.sliding_step(f, g, z, 0.4, "convolution")
    assert step["value"] == pytest.approx(sliding.sliding_output(f, g, z, [0.4])[0])
    assert np.allclose(step["product"], f * g(0.4 - z))


def test_sliding_bad_input():
    z = np.linspace(0, 1, 11)
    g = sliding.kernel("box")
    with pytest.raises(ValueError):
        sliding.sliding_step(np.ones(5), g, z, 0.5)
    with pytest.raises(ValueError):
        sliding.sliding_step(np.ones(11), g, z, 0.5, mode="flip")
    with pytest.raises(ValueError):
        sliding.sliding_output(np.ones(3), g, np.array([0, 1, 3.0]), [0])


def test_convergence_box_and_gaussian():
    dxs = 1 / np.array([4, 8, 16, 32])
    box = sliding.kernel("box", 1.0)
    err = sliding.convergence(box, box, sliding.kernel("triangle", 2.0), dxs, 2.0)
    assert np.allclose(err, dxs)               # the two missed half-samples at the jumps
    g = lambda s: (lambda z: sliding.gaussian(z, s))
    err = sliding.convergence(g(0.5), g(1.2), g(np.hypot(0.5, 1.2)), [1.0, 0.5, 0.25], 12.0)
    assert err[0] > 1e-3 and err[-1] < 1e-12
    with pytest.raises(ValueError):
        sliding.convergence(box, box, box, [0.0], 1.0)


@pytest.mark.parametrize("m", [1, 4, 7, 8])
@pytest.mark.parametrize("n", [1, 2, 3, 6, 9])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolution_matrix(m, n, mode):
    v, a = rng.normal(size=n), rng.normal(size=m)
    t = sliding.convolution_matrix(v, m, mode)
    assert np.allclose(t @ a, np.convolve(a, v, mode))
    assert np.allclose(t, scipy.linalg.convolution_matrix(v, m, mode))


def test_convolution_matrix_bad_input():
    with pytest.raises(ValueError):
        sliding.convolution_matrix([], 3)
    with pytest.raises(ValueError):
        sliding.convolution_matrix([1.0], 0)
    with pytest.raises(ValueError):
        sliding.convolution_matrix([1.0], 3, "circular")


def test_fit_kernel_recovers_flipped_kernel():
    x = rng.normal(size=200)
    w = np.array([1.0, -2.0, 0.5, 3.0])
    y = correlate(x, w, "valid")
    assert np.allclose(sliding.fit_kernel(x, y, 4, "cross-correlation"), w)
    assert np.allclose(sliding.fit_kernel(x, y, 4, "convolution"), w[::-1])
    assert np.allclose(convolve(x, w[::-1], "valid"), y)
    with pytest.raises(ValueError):
        sliding.fit_kernel(x, y[:-1], 4)


def test_fft_convolve_and_costs():
    a, v = rng.normal(size=37), rng.normal(size=11)
    assert np.allclose(sliding.fft_convolve(a, v), np.convolve(a, v))
    assert np.allclose(sliding.fft_convolve(a, v), scipy.signal.fftconvolve(a, v))
    direct, fft = sliding.multiplications(10_000, 3)
    assert direct < fft
    direct, fft = sliding.multiplications(10_000, 1_000)
    assert direct > fft
    with pytest.raises(ValueError):
        sliding.fft_convolve(np.ones((2, 2)), v)
    with pytest.raises(ValueError):
        sliding.multiplications(0, 3)


def test_explorer_updates_artists():
    from cnnlib.widgets.continuous_discrete import eeg_window, make_sliding_kernel
    z, f = eeg_window()
    assert z.shape == f.shape and np.allclose(np.diff(z), 1 / 80)
    explorer = make_sliding_kernel()
    fig = explorer.fig
    ax_f, ax_p, ax_y = fig.axes
    kernel_line = ax_f.lines[1]
    before = kernel_line.get_ydata().copy(), ax_y.lines[1].get_xdata().copy(), ax_p.get_title()
    value = explorer.update(kernel="ramp", x=6.7, mode="convolution", width=0.3)
    fig.canvas.draw()
    after = kernel_line.get_ydata().copy(), ax_y.lines[1].get_xdata().copy(), ax_p.get_title()
    assert not np.allclose(before[0], after[0])
    assert len(before[1]) != len(after[1])
    assert before[2] != after[2]
    expected = sliding.sliding_step(f, sliding.kernel("ramp", 0.3), z, 6.7)["value"]
    assert value == pytest.approx(expected)
    # the output panel is drawn scaled to its largest value: the dot sits on the dashed full output
    full = ax_y.lines[0].get_ydata()
    assert np.abs(full).max() == pytest.approx(1.0)
    assert ax_y.lines[2].get_ydata()[0] == pytest.approx(np.interp(6.7, z, full), abs=1e-3)
    assert f"{expected:+.3f}" in ax_y.get_title()
    # the ramp is not symmetric: flipping changes the kernel drawn and the output
    corr = explorer.update(kernel="ramp", x=6.7, mode="cross-correlation", width=0.3)
    assert not np.isclose(corr, value)
    # out-of-range slider values are clamped, not raised
    explorer.update(kernel="difference", x=100.0, mode="convolution", width=9.0)
    assert ax_y.lines[2].get_xdata()[0] == pytest.approx(z[-1])
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_exercise_checks(capsys):
    assert check("ch02-by-hand", [0, 1, 2.5, 4, 1.5])
    assert not check("ch02-by-hand", np.correlate([1, 2, 3], [0, 1, 0.5], "full"))

    def loops(a, v):
        out = np.zeros(len(a) + len(v) - 1)
        for i in range(len(a)):
            for j in range(len(v)):
                out[i + j] += a[i] * v[j]
        return out
    assert check("ch02-loops", loops)
    assert not check("ch02-loops", lambda a, v: np.correlate(a, v, "full"))
    assert check("ch02-gaussian-variance", 0.5**2 + 1.2**2)
    assert not check("ch02-gaussian-variance", 1.3)
    assert check("ch02-mode-lengths", (106, 100, 94))
    assert not check("ch02-mode-lengths", (106, 100, 93))
    out = capsys.readouterr().out
    assert "1.69" not in out and "106, 100, 94" not in out.split("✅")[0]
