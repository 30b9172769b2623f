"""Convolution of 1D signals: discrete sequences and sampled continuous functions.

Discrete convolution flips the kernel, cross-correlation does not::

    convolve:  (a * v)[n] = sum_m a[m] v[n - m]
    correlate: c[k]       = sum_n a[n + k] v[n]

so ``convolve(a, v) == correlate(a, v[::-1])`` for real sequences (for complex
ones ``correlate`` conjugates ``v``, as ``numpy.correlate`` does). Both agree
with ``numpy.convolve`` and ``numpy.correlate`` in all three modes:

* ``'full'``: every shift where the two overlap at all, length ``M + N - 1``;
* ``'same'``: the central ``max(M, N)`` values;
* ``'valid'``: only shifts where one lies entirely inside the other, ``max(M, N) - min(M, N) + 1``.

Continuous convolution ``(f * g)(x) = integral f(z) g(x - z) dz`` becomes the
same sum once both functions are sampled on a grid of spacing ``dx``: the
integral is approximated by ``dx * sum``, a Riemann sum (Goodfellow et al.,
2016, section 9.1).
"""
import numpy as np

from ._args import array, as_float, float_dtype, ieee, work_dtype

MODES = ("full", "same", "valid")


def _as_signal(x, name, complex_ok=True):
    x = array(x, name, ndim=1, expect="a non-empty 1D sequence", complex_ok=complex_ok)
    if x.size == 0:
        raise ValueError(f"{name} is empty; expected a non-empty 1D sequence")
    return x


def _convolve_full(a, v):
    """All ``M + N - 1`` values of ``sum_m a[m] v[n - m]``, by shift-and-add over the shorter sequence.

    Like numpy, it multiplies only samples that overlap: zero padding (the conv1d way) would
    turn an inf times a padding zero into NaN where numpy gives inf.
    """
    dtype = float_dtype(a, v)
    a, v = as_float(a, work_dtype(dtype)), as_float(v, work_dtype(dtype))
    if len(v) > len(a):
        a, v = v, a
    full = np.zeros(len(a) + len(v) - 1, dtype=a.dtype)
    for j, vj in enumerate(v):      # each kernel sample adds a shifted, scaled copy of the signal
        full[j:j + len(a)] += vj * a
    return as_float(full, dtype)


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


@ieee
def correlate(a, v, mode="valid"):
    """Discrete cross-correlation ``c[k] = sum_n a[n + k] v[n]``, like ``numpy.correlate``.

    Args:
        a: ``(M,)`` signal; v: ``(N,)`` kernel (either may be the longer one).
        mode: ``'full'``, ``'same'`` or ``'valid'`` (numpy's default, kept here).

    Complex sequences: ``v`` is conjugated, ``c[k] = sum_n a[n + k] conj(v[n])``, as in numpy.

    Dtypes: float16/32/64 and complex64/128 (float16 computed in float32); integers and booleans
    give the exact float64 answer (numpy would wrap ``uint8``). Mixed dtypes promote as in numpy.

    Returns:
        ``(M + N - 1,)``, ``(max(M, N),)`` or ``(max(M, N) - min(M, N) + 1,)`` for the three modes.

    Raises:
        TypeError: an input of another dtype (object, strings).
        ValueError: an input that is not a non-empty 1D sequence, or an unknown mode.
    """
    a, v = _as_signal(a, "a"), _as_signal(v, "v")
    _crop(a, len(a), len(v), mode)      # check the mode before computing
    return _crop(_convolve_full(a, np.conj(v[::-1])), len(a), len(v), mode, swapped=len(v) > len(a))


@ieee
def convolve(a, v, mode="full"):
    """Discrete convolution ``(a * v)[n] = sum_m a[m] v[n - m]``, like ``numpy.convolve``.

    The kernel is flipped, then slid: ``convolve(a, v) == correlate(a, v[::-1], 'full')``.
    Convolution is commutative, so ``convolve(a, v) == convolve(v, a)``.

    Args:
        a: ``(M,)``; v: ``(N,)``. mode: ``'full'`` (numpy's default), ``'same'`` or ``'valid'``.

    Returns and raises: as :func:`correlate`.
    """
    a, v = _as_signal(a, "a"), _as_signal(v, "v")
    _crop(a, len(a), len(v), mode)      # check the mode before computing
    return _crop(_convolve_full(a, v), len(a), len(v), mode)


@ieee
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
        TypeError: ``x`` or samples of another dtype (complex ``x``, objects).
        ValueError: when ``x`` is not finite, evenly spaced and increasing, or a sample array
        does not have ``x``'s length.
    """
    x = _as_signal(x, "x", complex_ok=False).astype(float)
    steps = np.diff(x)
    if (len(x) < 2 or not np.isfinite(x).all() or steps[0] <= 0
            or not np.allclose(steps, steps[0], rtol=1e-6, atol=0)):
        raise ValueError("x must be a finite, increasing, evenly spaced grid with at least 2 points")
    dx = steps[0]
    fs, gs = (array(h(x) if callable(h) else h, f"samples of {name}", shape=x.shape, expect=f"{x.shape} like x",
                    complex_ok=True) for name, h in (("f", f), ("g", g)))
    t = 2 * x[0] + dx * np.arange(2 * len(x) - 1)
    return t, dx * convolve(fs, gs, mode="full")
