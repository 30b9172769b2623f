"""Convolution of 1D signals: discrete sequences and sampled continuous functions.

Discrete convolution flips the kernel, cross-correlation does not::

    convolve:  (a * v)[n] = sum_m a[m] v[n - m]
    correlate: c[k]       = sum_n a[n + k] v[n]

so ``convolve(a, v) == correlate(a, v[::-1])``. Both are computed by the same
``conv1d`` that a CNN layer uses, and agree with ``numpy.convolve`` and
``numpy.correlate`` in all three modes:

* ``'full'``: every shift where the two overlap at all, length ``M + N - 1``;
* ``'same'``: the central ``max(M, N)`` values;
* ``'valid'``: only shifts where one lies entirely inside the other, ``max(M, N) - min(M, N) + 1``.

Continuous convolution ``(f * g)(x) = integral f(z) g(x - z) dz`` becomes the
same sum once both functions are sampled on a grid of spacing ``dx``: the
integral is approximated by ``dx * sum``, a Riemann sum (Goodfellow et al.,
2016, section 9.1).
"""
import numpy as np

from .conv import conv1d

MODES = ("full", "same", "valid")


def _as_signal(x, name):
    x = np.asarray(x)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} has shape {x.shape}; expected a non-empty 1D sequence")
    return x


def _correlate_full(a, v):
    """All ``M + N - 1`` lags of the cross-correlation, via ``conv1d`` with full zero padding."""
    y = conv1d(a[None, None, :], v[None, None, :], padding=len(v) - 1)
    return y[0, 0]


def _crop(full, m, n, mode, swapped=False):
    """Cut the ``'same'`` or ``'valid'`` part out of a full result, exactly where numpy does."""
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: expected one of {MODES}")
    if mode == "full":
        return full
    short, long = min(m, n), max(m, n)
    if mode == "valid":
        start = short - 1
        return full[start:start + long - short + 1]
    # numpy centres 'same' on the shorter sequence, an even length leaving the
    # extra value on the right; correlate with a longer kernel swaps the two and
    # reverses the result, which moves that extra value to the left.
    start = short // 2 if swapped else (short - 1) // 2
    return full[start:start + long]


def correlate(a, v, mode="valid"):
    """Discrete cross-correlation ``c[k] = sum_n a[n + k] v[n]``, like ``numpy.correlate``.

    Args:
        a: ``(M,)`` signal; v: ``(N,)`` kernel (either may be the longer one).
        mode: ``'full'``, ``'same'`` or ``'valid'`` (numpy's default, kept here).

    Returns:
        ``(M + N - 1,)``, ``(max(M, N),)`` or ``(max(M, N) - min(M, N) + 1,)`` for the three modes.

    Raises:
        ValueError: an input that is not a non-empty 1D sequence, or an unknown mode.
    """
    a, v = _as_signal(a, "a"), _as_signal(v, "v")
    return _crop(_correlate_full(a, v), len(a), len(v), mode, swapped=len(v) > len(a))


def convolve(a, v, mode="full"):
    """Discrete convolution ``(a * v)[n] = sum_m a[m] v[n - m]``, like ``numpy.convolve``.

    The kernel is flipped, then slid: ``convolve(a, v) == correlate(a, v[::-1], 'full')``.
    Convolution is commutative, so ``convolve(a, v) == convolve(v, a)``.

    Args:
        a: ``(M,)``; v: ``(N,)``. mode: ``'full'`` (numpy's default), ``'same'`` or ``'valid'``.

    Returns and raises: as :func:`correlate`.
    """
    a, v = _as_signal(a, "a"), _as_signal(v, "v")
    return _crop(_correlate_full(a, v[::-1]), len(a), len(v), mode)


def continuous_convolve(f, g, x):
    """Approximate ``(f * g)(t) = integral f(z) g(t - z) dz`` by sampling on a uniform grid.

    Args:
        f, g: callables of one array argument, or arrays of their samples at ``x``.
        x: ``(n,)`` strictly increasing, evenly spaced sample positions (spacing ``dx``).

    Returns:
        ``(t, y)``, both ``(2n - 1,)``: ``t[k] = 2 * x[0] + k * dx`` and
        ``y[k] = dx * sum_j f(x[j]) g(t[k] - x[j])``, the Riemann sum of the integral.
        The error shrinks as ``dx`` does (exactly how fast depends on the smoothness
        of f and g).

    Raises:
        ValueError: when ``x`` is not evenly spaced and increasing, or a sample array
        does not have ``x``'s length.
    """
    x = _as_signal(x, "x").astype(float)
    steps = np.diff(x)
    if len(x) < 2 or steps[0] <= 0 or not np.allclose(steps, steps[0], rtol=1e-6, atol=0):
        raise ValueError("x must be an increasing, evenly spaced grid with at least 2 points")
    dx = steps[0]
    fs, gs = (np.asarray(h(x) if callable(h) else h, dtype=float) for h in (f, g))
    for name, s in (("f", fs), ("g", gs)):
        if s.shape != x.shape:
            raise ValueError(f"samples of {name} have shape {s.shape}; expected {x.shape} like x")
    t = 2 * x[0] + dx * np.arange(2 * len(x) - 1)
    return t, dx * convolve(fs, gs, mode="full")
