"""The sliding-kernel picture of convolution (chapter 2), and the small computations around it.

The graphical view of ``(f * g)(x) = integral f(z) g(x - z) dz`` has four pieces, each computed here
on a uniform grid ``z`` of spacing ``dz``:

* the signal ``f(z)``;
* the kernel moved to ``x``: ``g(x - z)`` (flipped, then shifted: convolution) or ``g(z - x)``
  (shifted only: cross-correlation, ``integral f(z) g(z - x) dz = integral f(x + u) g(u) du``);
* their product, whose area is the output value at ``x``;
* the output curve over all shifts.

Also: continuous kernels of unit area (:func:`kernel`), the Riemann-sum convergence of
:func:`cnnlib.functional.continuous_convolve` (:func:`convergence`), the convolution matrix whose
rows are the flipped, shifted kernel (:func:`convolution_matrix`), the fit of a kernel by least
squares that shows a learned kernel simply comes out flipped (:func:`fit_kernel`), convolution by
the FFT (:func:`fft_convolve`) and a count of the multiplications of both routes
(:func:`multiplications`). Background: Oppenheim & Willsky, *Signals and Systems* (1997), ch. 2-4;
Goodfellow et al., *Deep Learning* (2016), section 9.1.
"""
import numpy as np

from .functional import continuous_convolve, convolve
from .functional.signal import _crop

KERNELS = ("box", "triangle", "Gaussian", "difference", "ramp")
MODES = ("convolution", "cross-correlation")
BOUNDARY_MODES = ("full", "same", "valid")


def kernel(name, width=1.0):
    """A continuous kernel ``g(z)`` of unit area (the difference kernel: halves of area +1 and -1).

    All are centred on ``z = 0`` and vanish outside ``|z| <= width / 2``, except the Gaussian,
    whose standard deviation is ``width / 6`` (so 99.7 % of its area lies in that interval).

    * ``'box'``: ``1 / width`` on ``|z| < width / 2`` (a moving average);
    * ``'triangle'``: peak ``2 / width`` at 0, falling linearly to 0 at ``|z| = width / 2``;
    * ``'Gaussian'``: the normal density with ``sigma = width / 6``;
    * ``'difference'``: ``+2 / width`` on ``(-width / 2, 0)``, ``-2 / width`` on ``(0, width / 2)``;
      convolving with it gives (mean just after x) - (mean just before x): positive where f rises;
    * ``'ramp'``: rises linearly from 0 to ``2 / width`` across the interval; not symmetric, so
      convolution and cross-correlation with it differ.

    Args:
        name: one of :data:`KERNELS`. width: positive support width, in the units of ``z``.

    Returns:
        A function of a numpy array ``z`` (any shape) returning ``g(z)`` of the same shape.

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
            return gaussian(z, width / 6)
        if name == "difference":
            return np.where(inside, -np.sign(z) / h, 0.0)
        return np.where(inside, (z + h) / (h * width), 0.0)   # ramp
    return g


def gaussian(z, sigma):
    """The normal density with mean 0 and standard deviation ``sigma`` at ``z``: ``exp(-z^2 / 2 sigma^2) / (sigma sqrt(2 pi))``.

    Raises ValueError for ``sigma <= 0``.
    """
    if not sigma > 0:
        raise ValueError(f"sigma={sigma} must be positive")
    z = np.asarray(z, dtype=float)
    return np.exp(-z**2 / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


def _grid(z):
    z = np.asarray(z, dtype=float)
    if z.ndim != 1 or len(z) < 2:
        raise ValueError(f"z has shape {z.shape}; expected a 1D grid of at least 2 points")
    steps = np.diff(z)
    if steps[0] <= 0 or not np.allclose(steps, steps[0], rtol=1e-6, atol=0):
        raise ValueError("z must be an increasing, evenly spaced grid")
    return z, steps[0]


def moved_kernel(g, z, x, mode="convolution"):
    """The kernel placed at shift ``x``: ``g(x - z)`` for convolution, ``g(z - x)`` for cross-correlation.

    Args:
        g: callable kernel (e.g. from :func:`kernel`). z: ``(n,)`` positions. x: the shift (a float).
        mode: one of :data:`MODES`.

    Returns:
        ``(n,)`` array. Raises ValueError for an unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: expected one of {MODES}")
    z = np.asarray(z, dtype=float)
    return g(x - z) if mode == "convolution" else g(z - x)


def sliding_step(f, g, z, x, mode="convolution"):
    """One frame of the graphical view at shift ``x``.

    Args:
        f: ``(n,)`` samples of the signal at ``z`` (or a callable). g: callable kernel.
        z: ``(n,)`` increasing, evenly spaced grid (spacing ``dz``). x: the shift.
        mode: ``'convolution'`` or ``'cross-correlation'``.

    Returns:
        dict with ``'kernel'`` ``(n,)`` (the moved kernel), ``'product'`` ``(n,)`` (``f`` times it) and
        ``'value'``, the output at ``x``: ``dz * sum(product)``, the Riemann sum of the integral.

    Raises:
        ValueError: a bad grid, samples of the wrong shape, or an unknown mode.
    """
    z, dz = _grid(z)
    fs = np.asarray(f(z) if callable(f) else f, dtype=float)
    if fs.shape != z.shape:
        raise ValueError(f"f has shape {fs.shape}; expected {z.shape} like z")
    gk = moved_kernel(g, z, x, mode)
    product = fs * gk
    return {"kernel": gk, "product": product, "value": dz * product.sum()}


def sliding_output(f, g, z, xs, mode="convolution"):
    """The output at every shift in ``xs``: ``[sliding_step(f, g, z, x, mode)['value'] for x in xs]``, vectorised.

    Args and raises: as :func:`sliding_step`; ``xs`` is any 1D array of shifts.

    Returns:
        ``(len(xs),)`` array.
    """
    z, dz = _grid(z)
    fs = np.asarray(f(z) if callable(f) else f, dtype=float)
    if fs.shape != z.shape:
        raise ValueError(f"f has shape {fs.shape}; expected {z.shape} like z")
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: expected one of {MODES}")
    xs = np.asarray(xs, dtype=float)[:, None]
    moved = g(xs - z) if mode == "convolution" else g(z - xs)
    return dz * moved @ fs


def convergence(f, g, exact, dxs, extent):
    """Largest error of the Riemann-sum convolution :func:`~cnnlib.functional.continuous_convolve` for each grid spacing.

    For each ``dx`` the functions are sampled on ``x = -extent, -extent + dx, ...`` (up to ``extent``),
    convolved, and compared with the closed form ``exact(t)`` at every output position ``t``.

    Args:
        f, g, exact: callables of a numpy array. dxs: sequence of positive spacings.
        extent: half-width of the sampling interval; f and g should be negligible outside it.

    Returns:
        ``(len(dxs),)`` array of ``max |riemann(t) - exact(t)|``.

    Raises:
        ValueError: a non-positive ``dx`` or ``extent``, or a ``dx`` too large for two samples.
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


def convolution_matrix(v, m, mode="full"):
    """The matrix ``T`` with ``T @ a == numpy.convolve(a, v, mode)`` for every ``a`` of length ``m``.

    Row ``i`` of the full matrix holds the kernel flipped and shifted to output ``i``:
    ``T[i, j] = v[i - j]`` (0 where ``i - j`` is outside ``[0, N)``). ``'same'`` and ``'valid'`` keep the
    rows numpy keeps. (``scipy.linalg.convolution_matrix`` builds the same matrices.)

    Args:
        v: ``(N,)`` kernel. m: length of the signal (positive int). mode: ``'full'``, ``'same'`` or ``'valid'``.

    Returns:
        ``(M + N - 1, M)``, ``(max(M, N), M)`` or ``(max(M, N) - min(M, N) + 1, M)``.

    Raises:
        ValueError: an empty or non-1D kernel, ``m < 1``, or an unknown mode.
    """
    v = np.asarray(v, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"v has shape {v.shape}; expected a non-empty 1D kernel")
    if int(m) != m or m < 1:
        raise ValueError(f"m={m} must be a positive int")
    if mode not in BOUNDARY_MODES:
        raise ValueError(f"mode={mode!r}: expected one of {BOUNDARY_MODES}")
    n = len(v)
    i, j = np.ogrid[:m + n - 1, :m]
    k = i - j
    full = np.where((k >= 0) & (k < n), v[np.clip(k, 0, n - 1)], 0.0)
    return _crop(full, m, n, mode)            # the rows numpy.convolve keeps, as cnnlib.functional.convolve does


def fit_kernel(x, y, size, mode="cross-correlation"):
    """The length-``size`` kernel that best maps ``x`` to ``y`` (least squares), as a CNN layer would learn it.

    The model is ``y = correlate(x, w, 'valid')`` (``y[i] = sum_k x[i + k] w[k]``, what deep learning
    calls convolution) or ``y = convolve(x, w, 'valid')`` (``y[i] = sum_k x[i + size - 1 - k] w[k]``).
    The two models have the same predictions with the kernel reversed, so their fits are reverses
    of each other.

    Args:
        x: ``(M,)`` input. y: ``(M - size + 1,)`` target. size: kernel length, ``1 <= size <= M``.
        mode: ``'cross-correlation'`` or ``'convolution'``.

    Returns:
        ``(size,)`` fitted kernel.

    Raises:
        ValueError: shapes that do not fit together, or an unknown mode.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or not 1 <= size <= len(x):
        raise ValueError(f"x has shape {x.shape}; expected 1D with at least size={size} samples")
    if y.shape != (len(x) - size + 1,):
        raise ValueError(f"y has shape {y.shape}; expected ({len(x) - size + 1},) for a valid output")
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: expected one of {MODES}")
    windows = np.lib.stride_tricks.sliding_window_view(x, size)    # (M - size + 1, size)
    if mode == "convolution":
        windows = windows[:, ::-1]
    w, *_ = np.linalg.lstsq(windows, y, rcond=None)
    return w


def fft_convolve(a, v):
    """Full discrete convolution by the convolution theorem: ``irfft(rfft(a, L) * rfft(v, L))`` with ``L = M + N - 1``.

    Zero-padding both to ``L`` makes the FFT's circular convolution equal the linear one.

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
            raise ValueError(f"{name} has shape {s.shape}; expected a non-empty 1D sequence")
    n = len(a) + len(v) - 1
    return np.fft.irfft(np.fft.rfft(a, n) * np.fft.rfft(v, n), n)


def multiplications(m, n):
    """Rough multiplication counts of a full convolution of lengths ``m`` and ``n``: ``(direct, fft)``.

    Direct: ``m * n``. FFT route: three real FFTs of length ``L = m + n - 1`` at about
    ``2 L log2 L`` real multiplications each, plus ``2 L`` for the pointwise complex product.
    These are operation counts, not timings; they show the shape of the trade-off
    (``O(mn)`` against ``O(L log L)``).

    Raises ValueError for non-positive lengths.
    """
    if m < 1 or n < 1:
        raise ValueError(f"lengths m={m}, n={n} must be positive")
    length = m + n - 1
    return m * n, 3 * 2 * length * np.log2(max(length, 2)) + 2 * length
