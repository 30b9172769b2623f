"""Convolution in any number of spatial dimensions, forward and backward, in numpy.

What deep learning calls convolution is cross-correlation: the kernel is *not*
flipped, exactly as in ``torch.nn.functional.conv2d``::

    y[n, o, i, j] = b[o] + sum_{c, p, q} x_pad[n, c, i*S + p*D, j*S + q*D] * w[o, c, p, q]

with stride ``S``, dilation ``D`` (1 means no gaps) and, with ``groups=G``,
``c`` running only over the input channels of output channel ``o``'s group.
Dumoulin & Visin (2016), "A guide to convolution arithmetic for deep learning",
derive the output sizes used here.

How it is fast (im2col): every kernel-sized window of the padded input is
gathered into one column of a matrix, without a Python loop, by
``numpy.lib.stride_tricks.sliding_window_view``; then the whole convolution is
one matrix product per group. The backward pass reuses the same matrices:
``grad_weight`` is a matrix product with the columns, and ``grad_input``
scatters the column gradients back onto the input (col2im) with one vectorised
addition per kernel tap. ``cnnlib.functional.naive`` keeps the slow,
one-output-at-a-time version for reading.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._args import (_int, array, as_float, crop, fixed_dims, float_dtype, ieee, ints, output_shape, padding_pairs,
                    shape_name, span, taps, work_dtype)


class ConvGeometry:
    """Everything about one convolution that does not depend on the values.

    Checks the shapes and arguments once and keeps the resolved numbers
    (padding pairs, output size, channels per group) for forward and backward.
    """

    def __init__(self, x_shape, w_shape, stride, padding, dilation, groups):
        d = len(x_shape) - 2
        if len(w_shape) != d + 2:
            raise ValueError(f"weight has shape {tuple(w_shape)}; input {tuple(x_shape)} is {shape_name(d)}, so the "
                             f"weight needs {d + 2} dims (C_out, C_in/groups, *{d} kernel sizes)")
        if 0 in w_shape:
            raise ValueError(f"weight has shape {tuple(w_shape)}: zero output channels, input channels or kernel size")
        if _int(groups) is None:
            raise TypeError(f"groups={groups!r} must be an int")
        if groups <= 0:
            raise ValueError(f"groups={groups} must be positive")
        n, c_in, *spatial = x_shape
        c_out, c_per_group, *kernel = w_shape
        if c_per_group * groups != c_in:
            raise ValueError(
                f"weight of shape {tuple(w_shape)} expects {c_per_group} x groups={groups} = {c_per_group * groups} "
                f"input channels, but input of shape {tuple(x_shape)} has {c_in}"
            )
        if c_out % groups:
            raise ValueError(f"weight of shape {tuple(w_shape)} has {c_out} output channels, not divisible by groups={groups}")
        self.d, self.groups = d, int(groups)
        self.n, self.c_in, self.c_out = n, c_in, c_out
        self.spatial, self.kernel = tuple(spatial), tuple(kernel)
        self.stride = ints(stride, d, "stride")
        self.dilation = ints(dilation, d, "dilation")
        self.pads = padding_pairs(padding, self.kernel, self.stride, self.dilation)
        self.out = output_shape(self.spatial, self.kernel, self.stride, self.pads, self.dilation)

    @property
    def out_shape(self):
        return (self.n, self.c_out, *self.out)

    @property
    def padded(self):
        return tuple(h + lo + hi for h, (lo, hi) in zip(self.spatial, self.pads))


def checked(input, weight, bias, stride, padding, dilation, groups):
    """Validate a convolution's arguments: ``(x, w, b, geometry, dtype)``; ``dtype`` is the result's."""
    x = array(input, "input", min_ndim=3, expect="(N, C_in, *spatial) with at least one spatial dim")
    w = array(weight, "weight")
    g = ConvGeometry(x.shape, w.shape, stride, padding, dilation, groups)
    b = None if bias is None else array(bias, "bias", shape=(g.c_out,), expect=f"({g.c_out},), one value per output channel")
    return x, w, b, g, float_dtype(x, w, b)


def windows(xp, kernel, stride, dilation):
    """A view (no copy) of every window of ``xp``: ``(N, C, *out, *kernel)``.

    ``xp``: padded input ``(N, C, *spatial)``. Window ``(i, j)`` holds the taps
    ``xp[..., i*S + p*D, j*S + q*D]`` for ``p, q`` over the kernel.
    """
    d = len(kernel)
    view = sliding_window_view(xp, span(kernel, dilation), axis=tuple(range(2, 2 + d)))
    every = tuple(slice(None, None, s) for s in stride) + tuple(slice(None, None, dl) for dl in dilation)
    return view[(slice(None), slice(None)) + every]


def pad(x, pads, value=0.0):
    """Pad only the spatial dimensions of ``(N, C, *spatial)``; a no-op without padding."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return np.pad(x, [(0, 0), (0, 0), *pads], constant_values=value)


def im2col(x, g):
    """Gather the windows of ``x`` into columns: ``(G, C_in/G * prod(K), N * prod(out))``."""
    d, G = g.d, g.groups
    win = windows(pad(x, g.pads), g.kernel, g.stride, g.dilation)            # (N, C, *out, *K)
    win = win.reshape(g.n, G, g.c_in // G, *g.out, *g.kernel)                 # split channels by group
    # -> (G, C/G, *K, N, *out): rows are (channel, tap), columns are (image, position)
    order = (1, 2, *range(3 + d, 3 + 2 * d), 0, *range(3, 3 + d))
    cols = win.transpose(order).reshape(G, g.c_in // G * int(np.prod(g.kernel)), g.n * int(np.prod(g.out)))
    # Always fresh memory (a 1x1 kernel can give a view of x), so backward may reuse it.
    return cols.copy() if np.may_share_memory(cols, x) else cols


def col2im(cols, g, dtype):
    """Inverse scatter of :func:`im2col`: add each column entry back where it came from.

    ``cols``: ``(G, C_in/G * prod(K), N * prod(out))``. Returns ``(N, C_in, *spatial)``.
    Loops over kernel taps only (9 for a 3x3 kernel), never over output positions. The sum is
    accumulated as ``(C, N, ...)``, the order the columns already have, and returned as a
    transposed view: that saves a full copy (so the result is not C-contiguous).
    """
    cols = cols.reshape(g.c_in, *g.kernel, g.n, *g.out)          # (C, *K, N, *out): one tap = cols[:, tap]
    grad = np.zeros((g.c_in, g.n, *g.padded), dtype=dtype)
    for tap in taps(g.kernel):
        where = tuple(slice(t * dl, t * dl + s * (o - 1) + 1, s)
                      for t, dl, s, o in zip(tap, g.dilation, g.stride, g.out))
        grad[(slice(None), slice(None)) + where] += cols[(slice(None),) + tap]
    return grad[crop(g.pads, g.spatial)].swapaxes(0, 1)


def forward(x, w, g):
    """The convolution proper, on checked arrays of one dtype: ``(y, cols)``, the output
    ``(N, C_out, *out)`` without bias and the im2col columns it multiplied."""
    G = g.groups
    cols = im2col(x, g)                                                      # (G, CK, N*L)
    y = np.matmul(w.reshape(G, g.c_out // G, cols.shape[1]), cols)           # (G, O/G, N*L)
    y = y.reshape(G, g.c_out // G, g.n, *g.out)
    return np.moveaxis(y, 2, 0).reshape(g.out_shape), cols                   # (N, C_out, *out)


def backward(gy, cols, w, g, with_bias, overwrite_columns=False):
    """Both gradient products from the columns, on arrays of one dtype:
    ``(grad_input, grad_weight, grad_bias or None)``; ``gy`` is ``(N, C_out, *out)``.

    With ``overwrite_columns`` the column gradients are written over ``cols``, which are
    no longer needed once ``grad_weight`` is made: the largest array of the step is then
    allocated once, not twice (a fresh one costs page faults, about 10% of the step).
    """
    G, og, L = g.groups, g.c_out // g.groups, int(np.prod(g.out))
    gy = gy.reshape(g.n, G, og, L).transpose(1, 2, 0, 3).reshape(G, og, g.n * L)    # (G, O/G, N*L)
    # cols times gy^T: the long N*L axis is summed in the columns' own (row) order
    grad_weight = np.matmul(cols, gy.transpose(0, 2, 1)).transpose(0, 2, 1).reshape(w.shape)
    wg = w.reshape(G, og, cols.shape[1])
    scratch = cols if overwrite_columns and cols.flags.writeable else None
    grad_input = col2im(np.matmul(wg.transpose(0, 2, 1), gy, out=scratch), g, cols.dtype)
    grad_bias = gy.sum(axis=2).reshape(g.c_out) if with_bias else None
    return grad_input, grad_weight, grad_bias


DTYPES = """Dtypes: float16, float32 or float64 (float16 is computed in float32); integer and boolean
        arrays are converted to the floating dtype of the other arrays (float64 if none), so the
        result is the exact float answer. Mixed floating dtypes promote as in numpy."""


@ieee
def conv_nd(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """N-dimensional cross-correlation (deep learning's "convolution"); see the module docstring.

    Args:
        input: ``(N, C_in, *spatial)`` with ``d = input.ndim - 2 >= 1`` spatial dims; N may be 0.
        weight: ``(C_out, C_in / groups, *kernel)``, every size at least 1.
        bias: ``(C_out,)`` or None.
        stride, dilation: positive int or d-tuple of ints (dilation 1 = no gaps).
        padding: non-negative int, d-tuple, ``'valid'`` (no padding) or ``'same'`` (stride 1 only).
        groups: split channels into this many independent groups (AlexNet's two-GPU split is groups=2).

        {DTYPES}

    Returns:
        ``(N, C_out, *out)`` with ``out = floor((H + 2P - D(K-1) - 1) / S) + 1`` per dimension, in the
        promoted floating dtype of input, weight and bias. The array may be a non-C-contiguous view of the
        matrix product (no copy is made); use ``np.ascontiguousarray`` if a library needs contiguous memory.

    Raises:
        TypeError: an array of another dtype (complex, object, strings), or a stride, padding, dilation
        or groups that is not an int or tuple of ints (floats and bools included).
        ValueError: on a wrong number of dims, channel counts that do not match ``groups``,
        a zero-size weight, a non-positive stride/dilation/groups, negative padding, ``'same'`` with
        stride > 1, a bias of the wrong shape, or a kernel larger than the padded input.
    """
    x, w, b, g, dtype = checked(input, weight, bias, stride, padding, dilation, groups)
    work = work_dtype(dtype)
    y, _ = forward(as_float(x, work), as_float(w, work), g)
    if b is not None:
        y = y + as_float(b, work).reshape(-1, *([1] * g.d))
    return as_float(y, dtype)


@ieee
def conv_nd_backward(grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of :func:`conv_nd` with respect to its three array inputs.

    Args:
        grad_output: ``(N, C_out, *out)``, the loss gradient with respect to the output.
        input, weight, bias and the keyword arguments: exactly as given to :func:`conv_nd`.

        {DTYPES} ``grad_output`` is converted to that dtype too.

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``input``, ``weight``
        and ``bias``, each in that array's own floating dtype (the computation's for an integer array);
        ``grad_bias`` is None when ``bias`` is None. ``grad_input`` may be a transposed view (not
        C-contiguous), see :func:`col2im`.

        * ``grad_bias[o] = sum over n and positions of grad_output[n, o]``;
        * ``grad_weight`` correlates the input with ``grad_output`` (a matrix product with the im2col columns);
        * ``grad_input`` is the transposed convolution of ``grad_output`` with the weight
          (each output gradient is sent back, times the weight, to every input it touched).

    Raises:
        TypeError, ValueError: as :func:`conv_nd`, or when ``grad_output`` does not have the output's shape.
    """
    x, w, b, g, dtype = checked(input, weight, bias, stride, padding, dilation, groups)
    gy = array(grad_output, "grad_output", shape=g.out_shape, expect=f"the convolution's output shape {g.out_shape}")
    work = work_dtype(dtype)
    grad_input, grad_weight, grad_bias = backward(as_float(gy, work), im2col(as_float(x, work), g),
                                                  as_float(w, work), g, b is not None, overwrite_columns=True)
    own = lambda a: a.dtype if a.dtype.kind == "f" else dtype  # noqa: E731  (integers: the computation's dtype)
    return (as_float(grad_input, own(x)), as_float(grad_weight, own(w)),
            None if b is None else as_float(grad_bias, own(b)))


conv_nd.__doc__ = conv_nd.__doc__.format(DTYPES=DTYPES)
conv_nd_backward.__doc__ = conv_nd_backward.__doc__.format(DTYPES=DTYPES)
conv1d, conv2d, conv3d = (fixed_dims(conv_nd, d) for d in (1, 2, 3))
conv1d_backward, conv2d_backward, conv3d_backward = (fixed_dims(conv_nd_backward, d) for d in (1, 2, 3))


# A layer keeps its columns ------------------------------------------------------
#
# A training step runs forward and backward on the same batch, so the im2col columns
# that forward builds are the ones backward needs: cnnlib.layers.Conv2d keeps them (as
# CS231n's layers keep a cache) instead of building them twice.

@ieee
def conv_nd_with_columns(input, weight, bias=None, stride=1, padding=0, dilation=1,
                         groups=1):
    """:func:`conv_nd` that also returns the im2col columns it built.

    Args:
        input, weight, bias, stride, padding, dilation, groups: as :func:`conv_nd`.

    Returns:
        ``(output, columns)``: ``output`` exactly as :func:`conv_nd` returns it;
        ``columns`` ``(G, C_in/G * prod(kernel), N * prod(out))`` in the computation's
        dtype (float32 for float16 input), to pass to
        :func:`conv_nd_backward_from_columns`.

    Raises:
        TypeError, ValueError: as :func:`conv_nd`.
    """
    x, w, b, g, dtype = checked(input, weight, bias, stride, padding, dilation, groups)
    work = work_dtype(dtype)
    y, cols = forward(as_float(x, work), as_float(w, work), g)
    if b is not None:
        y = y + as_float(b, work).reshape(-1, *([1] * g.d))
    return as_float(y, dtype), cols


@ieee
def conv_nd_backward_from_columns(grad_output, columns, input_shape, weight, bias=None,
                                  stride=1, padding=0, dilation=1, groups=1,
                                  overwrite_columns=False):
    """:func:`conv_nd_backward` from the columns :func:`conv_nd_with_columns` returned.

    Args:
        grad_output: ``(N, C_out, *out)``.
        columns: the ``columns`` of :func:`conv_nd_with_columns` for the same input.
        input_shape: the input's shape ``(N, C_in, *spatial)`` (the input itself is not
            needed: its windows are the columns).
        weight, bias and the keyword arguments: exactly as given to the forward call.
        overwrite_columns: if True, ``columns`` (when it is a writeable float array of
            the computation's dtype) is reused as scratch memory and holds garbage
            afterwards; a layer that drops its columns after backward saves an allocation.

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` as :func:`conv_nd_backward`, all three
        in the columns' dtype; ``grad_bias`` is None when ``bias`` is None.

    Raises:
        TypeError, ValueError: as :func:`conv_nd_backward`, or when ``columns`` does not
        have the shape that ``input_shape`` and the arguments give.
    """
    w = array(weight, "weight")
    g = ConvGeometry(tuple(input_shape), w.shape, stride, padding, dilation, groups)
    G, og, L = g.groups, g.c_out // g.groups, int(np.prod(g.out))
    rows = g.c_in // G * int(np.prod(g.kernel))
    cols = array(columns, "columns", shape=(G, rows, g.n * L),
                 expect=f"({G}, {rows}, {g.n * L}) for input {tuple(input_shape)}")
    work = cols.dtype if cols.dtype.kind == "f" else np.dtype(np.float64)
    gy = array(grad_output, "grad_output", shape=g.out_shape,
               expect=f"the convolution's output shape {g.out_shape}")
    if bias is not None:
        array(bias, "bias", shape=(g.c_out,), expect=f"({g.c_out},), one per channel")
    return backward(as_float(gy, work), as_float(cols, work), as_float(w, work), g,
                    bias is not None, overwrite_columns)

