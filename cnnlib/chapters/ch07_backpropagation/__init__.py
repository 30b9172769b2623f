"""Chapter 7, "Backpropagation through convolution": the chapter's plain computation.

numpy only (no matplotlib, no ipywidgets), so that tests and the explorer can call it
headless. The gradients themselves come from :mod:`cnnlib.functional`'s ``*_backward``
functions; what is here arranges them for the chapter's pages:

* :data:`X_1D`, :data:`W_1D`, :data:`D_1D`: the 1D example (five inputs, three weights,
  three upstream gradients) that the chapter works through by hand;
* :func:`insert_zeros`: the zeros a stride puts between upstream gradients before the
  backward pass can be written as a full convolution with the flipped kernel;
* :func:`relative_error`: the number a gradient check reports;
* :func:`finite_difference_errors`: that number against the step ``h`` in float32 and
  float64 (why gradient checks run in float64);
* :func:`gradient_flow`: the gradient-flow explorer's computation: for one output
  position (or every one), where the gradient lands on the input, the weights and the
  bias;
* :func:`flow_input`: the explorer's input, real pixels from the camera photo.
"""

import functools

import numpy as np

import cnnlib.functional as F

#: The chapter's 1D example: inputs x1..x5, kernel w1..w3 and upstream gradients d1..d3.
X_1D = np.array([2.0, 1.0, -1.0, 3.0, 1.0])
W_1D = np.array([1.0, 2.0, 3.0])
D_1D = np.array([1.0, -1.0, 2.0])
B_1D = 0.5

#: The explorer's kernel: small integers, not symmetric, so the flip is visible.
FLOW_KERNEL_2D = np.array([[1.0, 2.0, -1.0], [-2.0, 1.0, 1.0], [1.0, -1.0, 2.0]])
FLOW_KERNEL_1D = np.array([2.0, -1.0, 1.0])
UPSTREAM = ("one output", "all ones", "ramp")


def insert_zeros(a, stride):
    """Put ``stride - 1`` zeros between neighbouring entries along every axis of ``a``.

    ``insert_zeros([1, 2, 3], 2) == [1, 0, 2, 0, 3]``. An upstream gradient of a strided
    convolution, spread out this way, lines up with the input positions its outputs
    started at, so that the input gradient becomes a stride-1 full convolution (Dumoulin
    & Visin, 2016, section 4.5, call these the zeros of a transposed convolution with
    fractional stride).

    Args:
        a: array of any shape ``(n_1, ..., n_d)``, d >= 1.
        stride: positive int (the same on every axis) or a d-tuple.

    Returns:
        ``(s_1 (n_1 - 1) + 1, ..., s_d (n_d - 1) + 1)``, ``a``'s dtype.

    Raises:
        ValueError: for a 0-dimensional or empty ``a`` or a non-positive stride.
    """
    a = np.asarray(a)
    if a.ndim == 0 or a.size == 0:
        raise ValueError(
            f"a has shape {a.shape}; expected at least one axis and one entry"
        )
    strides = (stride,) * a.ndim if np.isscalar(stride) else tuple(stride)
    if len(strides) != a.ndim or any(int(s) != s or s < 1 for s in strides):
        raise ValueError(
            f"stride={stride} must be a positive int or {a.ndim} positive ints"
        )
    out = np.zeros(
        tuple(int(s) * (n - 1) + 1 for s, n in zip(strides, a.shape)), a.dtype
    )
    out[tuple(slice(None, None, int(s)) for s in strides)] = a
    return out


def relative_error(analytic, numeric):
    """How far two gradients are apart, relative to their size.

    ``relative_error(a, n) = |a - n| / max(|a|, |n|)``.

    Norms are Euclidean over all entries, so one entry near zero cannot blow the ratio
    up (the entry-wise version of CS231n's notes divides by each entry's own size).
    Below about 1e-7 in float64 the two agree to rounding; near 1 one of them is simply
    wrong.

    Args:
        analytic, numeric: arrays of the same shape.

    Returns:
        A float in [0, 2]; 0.0 when both are all zeros.

    Raises:
        ValueError: when the shapes differ.
    """
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    if a.shape != n.shape:
        raise ValueError(
            f"analytic {a.shape} and numeric {n.shape} gradients differ in shape"
        )
    scale = max(np.linalg.norm(a), np.linalg.norm(n))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - n) / scale)


def _tanh_loss(x, w, g):
    """``sum(tanh(conv1d(x, w)) * g)`` in the dtype of its arguments (a non-linear test
    loss)."""
    return np.sum(np.tanh(F.conv1d(x[None, None], w[None, None])[0, 0]) * g)


def finite_difference_errors(x, w, hs, dtype, seed=0):
    """Relative error of central differences against the exact gradient, per step ``h``.

    The loss is ``L(x) = sum(tanh(conv1d(x, w)) * g)`` for a fixed random ``g`` (tanh
    makes it non-linear, so the differences have a truncation error that grows with
    ``h``, as well as a rounding error that grows as ``h`` shrinks). The exact gradient
    is computed in float64 with :func:`cnnlib.functional.conv1d_backward`; the
    differences in ``dtype``.

    Args:
        x: ``(L,)`` signal; w: ``(K,)`` kernel with ``K <= L``.
        hs: sequence of positive steps.
        dtype: ``np.float32`` or ``np.float64``, the arithmetic of the differences.

    Returns:
        ``(len(hs),)`` float64 relative errors (:func:`relative_error`).

    Raises:
        ValueError: for a non-1D ``x`` or ``w``, a non-positive step or another dtype.
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 1 or w.ndim != 1 or len(w) > len(x):
        raise ValueError(
            f"x {x.shape} and w {w.shape} must be 1D with len(w) <= len(x)"
        )
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype}: use np.float32 or np.float64")
    if any(h <= 0 for h in hs):
        raise ValueError(f"steps {list(hs)} must be positive")
    g = np.random.default_rng(seed).normal(size=len(x) - len(w) + 1)
    y = F.conv1d(x[None, None], w[None, None])[0, 0]
    exact = F.conv1d_backward(
        (g * (1 - np.tanh(y) ** 2))[None, None], x[None, None], w[None, None]
    )[0][0, 0]
    xd, wd, gd = (a.astype(dtype) for a in (x, w, g))
    errors = []
    for h in hs:
        h = dtype(h)
        numeric = np.zeros(len(x))
        for i in range(len(x)):
            up, down = xd.copy(), xd.copy()
            up[i] += h
            down[i] -= h
            step = (
                up[i] - down[i]
            )  # the step actually taken: x + h is rounded in `dtype`
            rise = _tanh_loss(up, wd, gd) - _tanh_loss(down, wd, gd)
            numeric[i] = (
                rise / step if step else 0.0
            )  # a step lost to rounding sees nothing
        errors.append(relative_error(exact, numeric))
    return np.array(errors)


def flow_input(dims):
    """The explorer's input: real pixels of the camera photo, as integers 0-9.

    Every 9th pixel of a patch by the cameraman's shoulder (``dims=2``: ``(5, 5)``), or
    every 8th of one row near it (``dims=1``: ``(9,)``), quantised to ten grey levels so
    that every number fits in a cell.

    Raises:
        ValueError: for ``dims`` other than 1 or 2.
    """
    if dims not in (1, 2):
        raise ValueError(f"dims={dims}: the explorer shows 1D or 2D")
    return _flow_input(dims).copy()


@functools.lru_cache(maxsize=2)
def _flow_input(dims):
    from cnnlib import data

    photo = data.image("camera")
    patch = photo[120:165:9, 245:290:9] if dims == 2 else photo[140, 220:292:8][:9]
    return np.round(9 * patch).astype(float)


def flow_kernel(dims):
    """The explorer's kernel: :data:`FLOW_KERNEL_1D` or :data:`FLOW_KERNEL_2D`."""
    if dims not in (1, 2):
        raise ValueError(f"dims={dims}: the explorer shows 1D or 2D")
    return (FLOW_KERNEL_1D if dims == 1 else FLOW_KERNEL_2D).copy()


def gradient_flow(x, w, position, stride=1, padding=0, upstream="one output"):
    """Where the gradient of one convolution goes: the explorer's computation.

    ``y = conv(x, w, stride, padding) + b`` for one channel in 1D or 2D. The upstream
    gradient ``dy`` is 1 at ``position`` and 0 elsewhere (``"one output"``), 1
    everywhere (``"all ones"``), or ``1, 2, 3, ...`` in reading order (``"ramp"``). The
    gradients come from :func:`cnnlib.functional.conv_nd_backward` on the *padded*
    input, so the part that lands on the padding (and is then thrown away) can be shown
    too.

    Args:
        x: ``(L,)`` or ``(H, W)`` input; w: kernel with as many dims.
        position: output index, an int in 1D or an ``(i, j)`` pair in 2D; each index is
            clamped to the output's range (so any slider position is valid).
        stride, padding: non-negative ints (stride >= 1), the same on every axis.
        upstream: one of :data:`UPSTREAM`.

    Returns:
        dict with ``x_padded``, ``dy``, ``dx_padded`` (gradient on the padded input),
        ``dx`` (``dx_padded`` without the padding, shaped like ``x``), ``dw``, ``db`` (a
        float), ``reads`` (ints shaped like ``x_padded``: how many outputs with a
        non-zero upstream gradient read each padded input), ``position`` (the clamped
        index tuple), ``window`` (tuple of slices into ``x_padded`` that the output at
        ``position`` read) and ``padding``.

    Raises:
        ValueError: for mismatched dims, a bad stride or padding, an unknown
            ``upstream``, or a kernel larger than the padded input.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.ndim not in (1, 2) or w.ndim != x.ndim:
        raise ValueError(f"x {x.shape} and w {w.shape} must both be 1D or both 2D")
    if upstream not in UPSTREAM:
        raise ValueError(f"upstream={upstream!r}: expected one of {UPSTREAM}")
    if int(stride) != stride or stride < 1 or int(padding) != padding or padding < 0:
        raise ValueError(
            f"stride={stride} must be >= 1 and padding={padding} >= 0 (ints)"
        )
    stride, padding = int(stride), int(padding)
    xp = np.pad(x, padding)
    batch = (None, None)
    y = F.conv_nd(xp[batch], w[batch], stride=stride)[0, 0]
    pos = np.atleast_1d(position).astype(int)
    if len(pos) != x.ndim:
        raise ValueError(f"position {position} needs {x.ndim} index(es)")
    pos = tuple(int(np.clip(p, 0, n - 1)) for p, n in zip(pos, y.shape))
    if upstream == "one output":
        dy = np.zeros_like(y)
        dy[pos] = 1.0
    elif upstream == "all ones":
        dy = np.ones_like(y)
    else:
        dy = np.arange(1.0, y.size + 1).reshape(y.shape)
    dxp, dw, db = F.conv_nd_backward(
        dy[batch], xp[batch], w[batch], np.zeros(1), stride=stride
    )
    dxp = np.ascontiguousarray(dxp[0, 0])
    reads = F.conv_nd_backward(
        (dy != 0)[batch].astype(float), xp[batch], np.ones_like(w)[batch], stride=stride
    )[0]
    reads = np.rint(reads[0, 0]).astype(int)
    inner = tuple(slice(padding, padding + n) for n in x.shape)
    window = tuple(slice(p * stride, p * stride + k) for p, k in zip(pos, w.shape))
    return {
        "x_padded": xp,
        "dy": dy,
        "dx_padded": dxp,
        "dx": dxp[inner],
        "dw": dw[0, 0],
        "db": float(db[0]),
        "reads": reads,
        "position": pos,
        "window": window,
        "padding": padding,
    }
