"""Chapter 2, "Continuous and discrete convolution": the sliding kernel and its sums.

The graphical view of ``(f * g)(x) = integral f(z) g(x - z) dz`` has four pieces, each
computed here on a uniform grid ``z`` of spacing ``dz``:

* the signal ``f(z)``;
* the kernel moved to ``x``: ``g(x - z)`` (flipped, then shifted: convolution) or
  ``g(z - x)`` (shifted only: cross-correlation,
  ``integral f(z) g(z - x) dz = integral f(x + u) g(u) du``);
* their product, whose area is the output value at ``x``;
* the output curve over all shifts.

Also: continuous kernels of unit area (:func:`kernel`, :func:`normal_pdf`), the
Riemann-sum convergence of :func:`cnnlib.functional.continuous_convolve`
(:func:`convergence`), a stretch of real EEG for the explorer (:func:`eeg_window`),
convolution by the FFT (:func:`fft_convolve`), a count of the multiplications of both
routes (:func:`direct_and_fft_multiplies`), and the distribution of a sum of dice as
repeated convolution (:func:`dice_distribution`). The convolution matrix is
:func:`cnnlib.functional.linear_matrix`, the least-squares kernel fit
:func:`cnnlib.kernels.fit_kernel`. Background: Oppenheim & Willsky, *Signals and
Systems* (1997), ch. 2-4; Goodfellow et al., *Deep Learning* (2016), section 9.1.
"""

import numpy as np

from cnnlib import counting, data
from cnnlib.functional import continuous_convolve, convolve

KERNELS = ("box", "triangle", "Gaussian", "difference", "ramp")
OPERATIONS = ("convolution", "cross-correlation")
BOUNDARY_MODES = (
    "full",
    "same",
    "valid",
)  # numpy.convolve's and functional.convolve's modes
WINDOW = (
    6.0,
    7.5,
)  # seconds of EEG trace 0 the explorer shows: a calm stretch and a spike


def kernel(name, width=1.0):
    """A continuous kernel ``g(z)`` of unit area (the difference kernel: two halves).

    All are centred on ``z = 0`` and vanish outside ``|z| <= width / 2``, except the
    Gaussian, whose standard deviation is ``width / 6`` (so 99.7 % of its area lies in
    that interval).

    * ``'box'``: ``1 / width`` on ``|z| < width / 2`` (a moving average);
    * ``'triangle'``: peak ``2 / width`` at 0, falling linearly to 0 at ``|z| = width /
      2``;
    * ``'Gaussian'``: the normal density with ``sigma = width / 6``
      (:func:`normal_pdf`);
    * ``'difference'``: ``+2 / width`` on ``(-width / 2, 0)``, ``-2 / width`` on
      ``(0, width / 2)``; convolving with it gives (mean just after x) - (mean just
      before x): positive where f rises;
    * ``'ramp'``: rises linearly from 0 to ``2 / width`` across the interval; not
      symmetric, so convolution and cross-correlation with it differ.

    Args:
        name: one of :data:`KERNELS`. width: positive support width, in the units of
            ``z``.

    Returns:
        A function of a numpy array ``z`` (any shape) returning ``g(z)`` of the same
        shape.

    Raises:
        ValueError: an unknown name or a non-positive width.
    """
    if name not in KERNELS:
        raise ValueError(f"kernel {name!r}: expected one of {KERNELS}")
    if not width > 0:
        raise ValueError(f"width={width} must be positive")
    h = width / 2

    def g(z):
        z = np.asarray(z, dtype=float)
        inside = np.abs(z) < h
        if name == "box":
            return np.where(inside, 1 / width, 0.0)
        if name == "triangle":
            return np.where(inside, (1 - np.abs(z) / h) / h, 0.0)
        if name == "Gaussian":
            return normal_pdf(z, width / 6)
        if name == "difference":
            return np.where(inside, -np.sign(z) / h, 0.0)
        return np.where(inside, (z + h) / (h * width), 0.0)  # ramp

    return g


def normal_pdf(z, sigma):
    """The normal density with mean 0 and standard deviation ``sigma`` at ``z``.

    ``exp(-z^2 / 2 sigma^2) / (sigma sqrt(2 pi))``, a function of ``z`` (unlike
    :func:`cnnlib.kernels.gaussian`, a sampled, sum-to-one blur kernel).

    Raises:
        ValueError: for ``sigma <= 0``.
    """
    if not sigma > 0:
        raise ValueError(f"sigma={sigma} must be positive")
    z = np.asarray(z, dtype=float)
    return np.exp(-(z**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


def _grid(z):
    z = np.asarray(z, dtype=float)
    if z.ndim != 1 or len(z) < 2:
        raise ValueError(
            f"z has shape {z.shape}; expected a 1D grid of at least 2 points"
        )
    steps = np.diff(z)
    if steps[0] <= 0 or not np.allclose(steps, steps[0], rtol=1e-6, atol=0):
        raise ValueError("z must be an increasing, evenly spaced grid")
    return z, steps[0]


def _samples(f, z):
    fs = np.asarray(f(z) if callable(f) else f, dtype=float)
    if fs.shape != z.shape:
        raise ValueError(f"f has shape {fs.shape}; expected {z.shape} like z")
    return fs


def _operation(operation):
    if operation not in OPERATIONS:
        raise ValueError(f"operation={operation!r}: expected one of {OPERATIONS}")
    return operation


def moved_kernel(g, z, x, operation="convolution"):
    """The kernel placed at shift ``x``: ``g(x - z)`` (convolution) or ``g(z - x)``
    (cross-correlation).

    Args:
        g: callable kernel (e.g. from :func:`kernel`). z: ``(n,)`` positions.
        x: the shift (a float). operation: one of :data:`OPERATIONS`.

    Returns:
        ``(n,)`` array.

    Raises:
        ValueError: for an unknown operation.
    """
    z = np.asarray(z, dtype=float)
    return g(x - z) if _operation(operation) == "convolution" else g(z - x)


def sliding_step(f, g, z, x, operation="convolution"):
    """One frame of the graphical view at shift ``x``.

    Args:
        f: ``(n,)`` samples of the signal at ``z`` (or a callable). g: callable kernel.
        z: ``(n,)`` increasing, evenly spaced grid (spacing ``dz``). x: the shift.
        operation: ``'convolution'`` or ``'cross-correlation'``.

    Returns:
        dict with ``'kernel'`` ``(n,)`` (the moved kernel), ``'product'`` ``(n,)``
        (``f`` times it) and ``'value'``, the output at ``x``: ``dz * sum(product)``,
        the Riemann sum of the integral.

    Raises:
        ValueError: a bad grid, samples of the wrong shape, or an unknown operation.
    """
    z, dz = _grid(z)
    fs = _samples(f, z)
    gk = moved_kernel(g, z, x, operation)
    product = fs * gk
    return {"kernel": gk, "product": product, "value": dz * product.sum()}


def sliding_output(f, g, z, xs, operation="convolution"):
    """The output at every shift in ``xs``, vectorised:
    ``[sliding_step(f, g, z, x, operation)['value'] for x in xs]``.

    Args and raises: as :func:`sliding_step`; ``xs`` is any 1D array of shifts.

    Returns:
        ``(len(xs),)`` array.
    """
    z, dz = _grid(z)
    fs = _samples(f, z)
    xs = np.asarray(xs, dtype=float)[:, None]
    moved = g(xs - z) if _operation(operation) == "convolution" else g(z - xs)
    return dz * moved @ fs


def convergence(f, g, exact, dxs, extent):
    """Largest error of the Riemann-sum convolution
    :func:`~cnnlib.functional.continuous_convolve` for each grid spacing.

    For each ``dx`` the functions are sampled on ``x = -extent, -extent + dx, ...`` (up
    to ``extent``), convolved, and compared with the closed form ``exact(t)`` at every
    output position ``t``.

    Args:
        f, g, exact: callables of a numpy array. dxs: sequence of positive spacings.
        extent: half-width of the sampling interval; f and g should be negligible
            outside.

    Returns:
        ``(len(dxs),)`` array of ``max |riemann(t) - exact(t)|``.

    Raises:
        ValueError: a non-positive ``dx`` or ``extent``, or a ``dx`` too large for two
        samples.
    """
    if not extent > 0:
        raise ValueError(f"extent={extent} must be positive")
    errors = []
    for dx in dxs:
        if not 0 < dx <= extent:
            raise ValueError(f"dx={dx} must be in (0, extent={extent}]")
        x = -extent + dx * np.arange(int(np.floor(2 * extent / dx)) + 1)
        t, y = continuous_convolve(f, g, x)
        errors.append(np.max(np.abs(y - exact(t))))
    return np.array(errors)


def eeg_window(window=WINDOW, trace=0):
    """A stretch of a real EEG trace: ``(z, f)``, both ``(n,)``, ``z`` in seconds.

    Raises:
        ValueError: for a window outside the 10-s recording or a trace index outside
            0-3.
    """
    t, traces = data.eeg()
    lo, hi = window
    if not (0 <= lo < hi <= t[-1]) or trace not in range(len(traces)):
        raise ValueError(
            f"window={window}, trace={trace}: need 0 <= start < end <= {t[-1]} "
            "and trace in 0-3"
        )
    keep = (t >= lo - 1e-9) & (t <= hi + 1e-9)
    return t[keep], traces[trace][keep]


def fft_convolve(a, v):
    """Full discrete convolution by the convolution theorem:
    ``irfft(rfft(a, L) * rfft(v, L))`` with ``L = M + N - 1``.

    Zero-padding both to ``L`` makes the FFT's circular convolution equal the linear
    one.

    Args:
        a: ``(M,)``, v: ``(N,)`` real sequences.

    Returns:
        ``(M + N - 1,)``, equal to ``convolve(a, v)`` up to rounding.

    Raises:
        ValueError: inputs that are not non-empty 1D sequences.
    """
    a, v = np.asarray(a, dtype=float), np.asarray(v, dtype=float)
    for name, s in (("a", a), ("v", v)):
        if s.ndim != 1 or s.size == 0:
            raise ValueError(
                f"{name} has shape {s.shape}; expected a non-empty 1D sequence"
            )
    n = len(a) + len(v) - 1
    return np.fft.irfft(np.fft.rfft(a, n) * np.fft.rfft(v, n), n)


def direct_and_fft_multiplies(m, n):
    """Rough multiplication counts of a convolution of lengths ``m`` and ``n``:
    ``(direct, fft)``.

    Direct: ``m * n``, every sample meets every tap once
    (:func:`cnnlib.counting.conv_multiplies` of ``m`` outputs and ``n`` taps). FFT
    route: three real FFTs of length ``L = m + n - 1`` at about ``2 L log2 L`` real
    multiplications each, plus ``2 L`` for the pointwise complex product. These are
    operation counts, not timings; they show the shape of the trade-off (``O(mn)``
    against ``O(L log L)``).

    Raises:
        ValueError: for non-positive lengths.
    """
    if m < 1 or n < 1:
        raise ValueError(f"lengths m={m}, n={n} must be positive")
    length = m + n - 1
    direct = counting.conv_multiplies((m,), (n,))
    return direct, 3 * 2 * length * np.log2(max(length, 2)) + 2 * length


def dice_distribution(n_dice, sides=6):
    """The distribution of the total of ``n_dice`` fair dice, by repeated convolution.

    The probability of a total ``s`` of two independent dice is ``sum_a p(a) q(s - a)``:
    the discrete convolution of their distributions. ``n_dice`` dice convolve the
    uniform distribution ``[1/sides] * sides`` with itself ``n_dice - 1`` times.

    Args:
        n_dice: a positive int. sides: faces per die (values 1..sides), at least 2.

    Returns:
        ``(totals, p)``: ``totals`` ``n_dice .. n_dice * sides`` (ints) and ``p`` their
        probabilities, summing to 1.

    Raises:
        ValueError: for ``n_dice < 1`` or ``sides < 2``.
    """
    if n_dice < 1 or sides < 2:
        raise ValueError(f"n_dice={n_dice} must be >= 1 and sides={sides} >= 2")
    one = np.full(sides, 1.0 / sides)
    p = one
    for _ in range(n_dice - 1):
        p = convolve(p, one)
    return np.arange(n_dice, n_dice * sides + 1), p
