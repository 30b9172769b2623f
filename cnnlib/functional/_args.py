"""Argument normalisation and validation shared by every operation.

Conventions (the same as ``torch.nn.functional``):

* tensors are channels-first: ``(N, C, *spatial)``, e.g. NCHW in 2D;
* ``stride``, ``padding``, ``dilation`` and ``kernel_size`` are an int (same in
  every spatial dimension) or a tuple with one int per spatial dimension;
* ``dilation=1`` means no gaps between kernel taps; a kernel of size ``K``
  with dilation ``D`` spans ``D * (K - 1) + 1`` input positions.

Dtypes: arrays may be float16, float32 or float64, or integers/booleans, which
are converted to the floating dtype of the other arrays of the call (float64 if
there is none), so a ``uint8`` photo gives the exact float answer, never wrapped
integer arithmetic. Anything else raises ``TypeError`` naming the argument.
A wrong value or shape raises ``ValueError`` naming the argument and shapes, so
bad input never produces a silently wrong answer.
"""
import functools
import inspect
import itertools
import operator

import numpy as np

FLOATS = (np.float16, np.float32, np.float64)
COMPLEX = (np.complex64, np.complex128)
SHAPES = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def shape_name(d):
    """``(N, C, H, W)`` for d = 2: how the docstrings and errors write a batch of ``d``-dim maps."""
    return SHAPES.get(d, f"(N, C, {d} spatial dims)")


def array(value, name, ndim=None, min_ndim=None, shape=None, expect="", complex_ok=False):
    """``value`` as an array, refused unless its dtype, number of dims and shape are as asked.

    ``expect`` describes the wanted shape in words for the message, e.g. ``(N, C, H, W)``.
    """
    x = np.asarray(value)
    allowed = FLOATS + COMPLEX if complex_ok else FLOATS
    if x.dtype.kind not in "biu" and x.dtype not in allowed:
        kinds = "float16/32/64" + (", complex64/128" if complex_ok else "")
        raise TypeError(f"{name} has dtype {x.dtype}; expected {kinds}, integers or booleans")
    wrong = ((ndim is not None and x.ndim != ndim) or (min_ndim is not None and x.ndim < min_ndim)
             or (shape is not None and x.shape != tuple(shape)))
    if wrong:
        want = expect or (f"shape {tuple(shape)}" if shape is not None else f"{ndim or f'at least {min_ndim}'} dims")
        raise ValueError(f"{name} has shape {x.shape} ({x.ndim} dims); expected {want}")
    return x


def float_dtype(*arrays):
    """The dtype a call computes in: numpy's promotion of its floating arrays, float64 if none is floating."""
    floats = [a.dtype for a in arrays if a is not None and a.dtype.kind in "fc"]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def as_float(x, dtype):
    """``x`` in ``dtype``, without a copy when it already is."""
    return x.astype(dtype, copy=False)


def work_dtype(dtype):
    """float16 is computed in float32 (numpy has no fast float16 matmul, and float16 sums lose digits)."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def ieee(op):
    """Run ``op`` with numpy's floating-point warnings off: NaN and inf are values here, which
    propagate silently as in torch (inf - inf is NaN), not mistakes to warn about."""
    @functools.wraps(op)
    def quiet(*args, **kwargs):
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            return op(*args, **kwargs)
    return quiet


def _int(v):
    """An int, or None for anything that is not one (bool counts as not an int: ``stride=True`` is a mistake)."""
    if isinstance(v, (bool, np.bool_)):
        return None
    try:
        return operator.index(v)
    except TypeError:
        return None


def ints(value, d, name, low=1):
    """Expand an int to a ``d``-tuple, or check a sequence has ``d`` ints; all at least ``low``.

    Raises TypeError for a float, bool or string (a float stride is not silently truncated),
    ValueError for a wrong length or a value below ``low``.
    """
    if _int(value) is not None:
        values = (_int(value),) * d
    elif isinstance(value, (tuple, list, np.ndarray)) and all(_int(v) is not None for v in value):
        values = tuple(_int(v) for v in value)
        if len(values) != d:
            raise ValueError(f"{name}={value} has {len(values)} entries; expected {d} (one per spatial dimension)")
    else:
        raise TypeError(f"{name}={value!r} must be an int or a tuple of {d} ints")
    if any(v < low for v in values):
        raise ValueError(f"{name}={values} must be {'positive' if low == 1 else f'at least {low}'} in every dimension")
    return values


def span(kernel, dilation):
    """Input positions covered by a dilated kernel: ``D * (K - 1) + 1``."""
    return tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))


def padding_pairs(padding, kernel, stride, dilation):
    """Resolve ``padding`` into ``(before, after)`` pairs, one per spatial dimension.

    ``'valid'`` is no padding. ``'same'`` pads so that the output has the input's
    size; it needs stride 1 (as in torch), and an even span puts the extra zero
    after the input (also as in torch).
    """
    d = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"padding='same' needs stride 1, got stride={stride}")
            total = [s - 1 for s in span(kernel, dilation)]
            return [(t // 2, t - t // 2) for t in total]
        raise ValueError(f"padding={padding!r}: expected an int, a tuple, 'valid' or 'same'")
    return [(p, p) for p in ints(padding, d, "padding", low=0)]


def output_shape(spatial, kernel, stride, pads, dilation, name="kernel"):
    """Output size in each dimension: ``floor((H + P_before + P_after - D(K-1) - 1) / S) + 1``.

    Raises ``ValueError`` when the (dilated) kernel is larger than the padded input.
    """
    padded = tuple(h + lo + hi for h, (lo, hi) in zip(spatial, pads))
    spans = span(kernel, dilation)
    if any(s > p for s, p in zip(spans, padded)):
        raise ValueError(
            f"{name} of size {tuple(kernel)} with dilation {tuple(dilation)} spans {spans}, "
            f"larger than the padded input {padded} (input {tuple(spatial)}, padding {pads})"
        )
    return tuple((p - s) // st + 1 for p, s, st in zip(padded, spans, stride))


def taps(kernel):
    """Every kernel tap, in row-major order: ``(0, 0), (0, 1), ...``."""
    return itertools.product(*(range(k) for k in kernel))


def crop(pads, spatial):
    """Index that cuts the padding off a padded ``(N, C, *padded)`` array."""
    return (slice(None), slice(None)) + tuple(slice(lo, lo + h) for (lo, _), h in zip(pads, spatial))


def fixed_dims(op, d):
    """The ``d``-dimensional version of an ``_nd`` operation: same arguments, but ``input`` must be
    :func:`shape_name` ``(d)``, so ``conv2d`` on a 3D batch says so instead of running a 1D convolution."""
    signature = inspect.signature(op)
    position = list(signature.parameters).index("input")
    name = op.__name__.replace("_nd", f"{d}d")

    @functools.wraps(op)
    def fixed(*args, **kwargs):
        if len(args) > position:          # the common call; binding the signature costs more than the check
            x = args[position]
        else:
            try:
                x = signature.bind(*args, **kwargs).arguments["input"]
            except TypeError as err:
                raise TypeError(f"{name}(): {err}") from None
        array(x, "input", ndim=d + 2, expect=f"{d + 2} dims {shape_name(d)} for a {d}D operation")
        return op(*args, **kwargs)

    fixed.__name__ = fixed.__qualname__ = name
    fixed.__doc__ = (f"{d}D version of :func:`{op.__name__}`: ``input`` is {shape_name(d)}; "
                     f"same arguments, result and errors.\n\n    " + (op.__doc__ or ""))
    return fixed
