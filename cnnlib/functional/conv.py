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
import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._args import as_tuple, check_ndim, output_shape, padding_pairs, positive, span


class ConvGeometry:
    """Everything about one convolution that does not depend on the values.

    Checks the shapes and arguments once and keeps the resolved numbers
    (padding pairs, output size, channels per group) for forward and backward.
    """

    def __init__(self, x_shape, w_shape, stride, padding, dilation, groups, d):
        if len(x_shape) != d + 2:
            raise ValueError(f"input has shape {tuple(x_shape)}; a {d}D convolution expects {d + 2} dims (N, C_in, ...)")
        if len(w_shape) != d + 2:
            raise ValueError(f"weight has shape {tuple(w_shape)}; a {d}D convolution expects {d + 2} dims (C_out, C_in/groups, ...)")
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"groups={groups} must be a positive int")
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
        self.stride = positive(as_tuple(stride, d, "stride"), "stride")
        self.dilation = positive(as_tuple(dilation, d, "dilation"), "dilation")
        self.pads = padding_pairs(padding, self.kernel, self.stride, self.dilation)
        self.out = output_shape(self.spatial, self.kernel, self.stride, self.pads, self.dilation)

    @property
    def out_shape(self):
        return (self.n, self.c_out, *self.out)

    @property
    def padded(self):
        return tuple(h + lo + hi for h, (lo, hi) in zip(self.spatial, self.pads))


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
    return win.transpose(order).reshape(G, -1, g.n * int(np.prod(g.out)))


def col2im(cols, g, dtype):
    """Inverse scatter of :func:`im2col`: add each column entry back where it came from.

    ``cols``: ``(G, C_in/G * prod(K), N * prod(out))``. Returns ``(N, C_in, *spatial)``.
    Loops over kernel taps only (9 for a 3x3 kernel), never over output positions. The sum is
    accumulated as ``(C, N, ...)``, the order the columns already have, and returned as a
    transposed view: that saves a full copy (so the result is not C-contiguous).
    """
    cols = cols.reshape(g.c_in, *g.kernel, g.n, *g.out)          # (C, *K, N, *out): one tap = cols[:, tap]
    grad = np.zeros((g.c_in, g.n, *g.padded), dtype=dtype)
    for tap in itertools.product(*(range(k) for k in g.kernel)):
        where = tuple(slice(t * dl, t * dl + s * (o - 1) + 1, s)
                      for t, dl, s, o in zip(tap, g.dilation, g.stride, g.out))
        grad[(slice(None), slice(None)) + where] += cols[(slice(None),) + tap]
    crop = tuple(slice(lo, lo + h) for (lo, _), h in zip(g.pads, g.spatial))
    return grad[(slice(None), slice(None)) + crop].swapaxes(0, 1)


def _check_bias(bias, c_out):
    if bias is not None and np.shape(bias) != (c_out,):
        raise ValueError(f"bias has shape {np.shape(bias)}; expected ({c_out},), one value per output channel")


def conv_nd(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """N-dimensional cross-correlation (deep learning's "convolution"); see the module docstring.

    Args:
        input: ``(N, C_in, *spatial)`` with ``d = input.ndim - 2`` spatial dims.
        weight: ``(C_out, C_in / groups, *kernel)``.
        bias: ``(C_out,)`` or None.
        stride, dilation: positive int or d-tuple (dilation 1 = no gaps).
        padding: non-negative int, d-tuple, ``'valid'`` (no padding) or ``'same'`` (stride 1 only).
        groups: split channels into this many independent groups (AlexNet's two-GPU split is groups=2).

    Returns:
        ``(N, C_out, *out)`` with ``out = floor((H + 2P - D(K-1) - 1) / S) + 1`` per dimension.
        The array may be a non-C-contiguous view of the matrix product (no copy is made); use
        ``np.ascontiguousarray`` if a library needs contiguous memory.

    Raises:
        ValueError: on a wrong number of dims, channel counts that do not match ``groups``,
        a non-positive stride/dilation, negative padding, ``'same'`` with stride > 1,
        a bias of the wrong shape, or a kernel larger than the padded input.
    """
    input, weight = np.asarray(input), np.asarray(weight)
    g = ConvGeometry(input.shape, weight.shape, stride, padding, dilation, groups, input.ndim - 2)
    _check_bias(bias, g.c_out)
    G = g.groups
    cols = im2col(input, g)                                                  # (G, CK, N*L)
    w = weight.reshape(G, g.c_out // G, -1)                                  # (G, O/G, CK)
    y = np.matmul(w, cols)                                                   # (G, O/G, N*L)
    y = y.reshape(G, g.c_out // G, g.n, *g.out)
    y = np.moveaxis(y, 2, 0).reshape(g.out_shape)                            # (N, C_out, *out)
    if bias is not None:
        y = y + np.asarray(bias).reshape(-1, *([1] * g.d))
    return y


def conv_nd_backward(grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of :func:`conv_nd` with respect to its three array inputs.

    Args:
        grad_output: ``(N, C_out, *out)``, the loss gradient with respect to the output.
        input, weight, bias and the keyword arguments: exactly as given to :func:`conv_nd`.

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` with the shapes of ``input``, ``weight``
        and ``bias``; ``grad_bias`` is None when ``bias`` is None. ``grad_input`` is a transposed
        view (not C-contiguous), see :func:`col2im`.

        * ``grad_bias[o] = sum over n and positions of grad_output[n, o]``;
        * ``grad_weight`` correlates the input with ``grad_output`` (a matrix product with the im2col columns);
        * ``grad_input`` is the transposed convolution of ``grad_output`` with the weight
          (each output gradient is sent back, times the weight, to every input it touched).

    Raises:
        ValueError: as :func:`conv_nd`, or when ``grad_output`` does not have the output's shape.
    """
    input, weight, grad_output = np.asarray(input), np.asarray(weight), np.asarray(grad_output)
    g = ConvGeometry(input.shape, weight.shape, stride, padding, dilation, groups, input.ndim - 2)
    _check_bias(bias, g.c_out)
    if grad_output.shape != g.out_shape:
        raise ValueError(f"grad_output has shape {grad_output.shape}; the convolution's output has shape {g.out_shape}")
    G, og = g.groups, g.c_out // g.groups
    dtype = np.result_type(input, weight, grad_output)
    gy = grad_output.reshape(g.n, G, og, -1).transpose(1, 2, 0, 3).reshape(G, og, -1)  # (G, O/G, N*L)
    cols = im2col(input, g)                                                            # (G, CK, N*L)
    grad_weight = np.matmul(gy, cols.transpose(0, 2, 1)).reshape(weight.shape)
    w = weight.reshape(G, og, -1)
    grad_input = col2im(np.matmul(w.transpose(0, 2, 1), gy), g, dtype)
    grad_bias = None if bias is None else grad_output.sum(axis=(0, *range(2, 2 + g.d)))
    return grad_input, grad_weight.astype(dtype, copy=False), grad_bias


def _fixed_dims(d):
    """Make ``convKd`` and ``convKd_backward``: ``conv_nd`` that insists on ``d`` spatial dims."""

    def forward(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        check_ndim(input, d)
        check_ndim(weight, d, "weight")
        return conv_nd(input, weight, bias, stride, padding, dilation, groups)

    def backward(grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        check_ndim(input, d)
        check_ndim(weight, d, "weight")
        return conv_nd_backward(grad_output, input, weight, bias, stride, padding, dilation, groups)

    shape = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[d]
    forward.__name__, backward.__name__ = f"conv{d}d", f"conv{d}d_backward"
    forward.__doc__ = f"""{d}D cross-correlation of ``input`` {shape} with ``weight`` (C_out, C_in/groups, *{d} kernel sizes).

    Same arguments, result and errors as :func:`conv_nd` (and as ``torch.nn.functional.conv{d}d``),
    but the input must have exactly {d} spatial dimensions.
    """
    backward.__doc__ = f"""Gradients ``(grad_input, grad_weight, grad_bias)`` of :func:`conv{d}d`; see :func:`conv_nd_backward`."""
    return forward, backward


conv1d, conv1d_backward = _fixed_dims(1)
conv2d, conv2d_backward = _fixed_dims(2)
conv3d, conv3d_backward = _fixed_dims(3)
