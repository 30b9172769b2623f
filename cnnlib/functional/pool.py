"""Pooling in any number of spatial dimensions, forward and backward, in numpy.

Pooling slides a window over each channel separately, like a convolution with
a fixed, unlearned filter: max pooling keeps the largest value in the window,
average pooling the mean, min pooling the smallest. Defaults follow
``torch.nn.functional``: ``stride`` defaults to ``kernel_size`` (non-overlapping
windows), max pooling pads with -inf, average pooling pads with zeros and
divides by the full window size (torch's ``count_include_pad=True``), and
``padding`` may be at most half the kernel size. Shapes: input
``(N, C, *spatial)`` gives ``(N, C, *out)`` with the convolution's output size.

Backward: max pooling routes each output gradient to the position of its
window's maximum, exactly where torch does on the CPU: the first maximum in
row-major tap order on ties, the *last* NaN when the window holds NaN, and the
first tap inside the input when every value a padded window sees is -inf.
Average pooling spreads the gradient evenly over the window.

Dtypes (every function here): float16, float32 or float64 come back in the
same dtype (float16 sums are computed in float32); integer and boolean inputs
are converted to float64 first, so they give the exact float answer (never
wrapped integer sums or negation). Other dtypes raise ``TypeError``. N = 0
gives empty results, as in torch.
"""
import numpy as np

from ._args import array, as_float, crop, fixed_dims, float_dtype, ieee, ints, output_shape, taps, work_dtype
from .conv import ConvGeometry, col2im, pad, windows


class PoolGeometry:
    """Checked, resolved sizes of one pooling: kernel, stride, padding, dilation and output."""

    def __init__(self, shape, kernel_size, stride, padding, dilation):
        self.d = d = len(shape) - 2
        self.shape = tuple(shape)
        self.kernel = ints(kernel_size, d, "kernel_size")
        self.stride = self.kernel if stride is None else ints(stride, d, "stride")
        self.dilation = ints(dilation, d, "dilation")
        pads = ints(padding, d, "padding", low=0)
        if any(p > k // 2 for p, k in zip(pads, self.kernel)):
            raise ValueError(f"padding={pads} must be between 0 and half the kernel size {self.kernel}")
        self.pads = [(p, p) for p in pads]
        self.out = output_shape(self.shape[2:], self.kernel, self.stride, self.pads, self.dilation, "pooling window")
        self.first_inside = self._first_taps_inside()

    def _first_taps_inside(self):
        """Per dimension, the first tap of each window that lands inside the input (not in padding).

        With dilation a window's taps can all land in the padding: refuse that rather than return -inf
        (torch does, and its backward then writes outside the gradient).
        """
        first = []
        for h, k, s, dl, (p, _), o in zip(self.shape[2:], self.kernel, self.stride, self.dilation, self.pads, self.out):
            at = np.arange(o)[:, None] * s + np.arange(k)[None, :] * dl     # padded coordinates
            inside = (at >= p) & (at < p + h)
            if not inside.any(axis=1).all():
                bad = int(np.argmin(inside.any(axis=1)))
                raise ValueError(f"pooling window {bad} (kernel {k}, dilation {dl}, padding {p}) covers only padding "
                                 f"of an input of size {h}; reduce the padding or dilation")
            first.append(np.argmax(inside, axis=1))
        return first

    @property
    def tiles(self):
        """True when the windows tile the input exactly: no overlap, gaps or padding."""
        return (self.stride == self.kernel and set(self.dilation) == {1} and not any(lo for lo, _ in self.pads))

    def taps(self):
        """For tiled windows: one strided slice per tap, in row-major tap order.

        Slice ``t`` picks tap ``t`` of every window at once, e.g. ``x[..., 0::2, 1::2]``
        for tap (0, 1) of 2x2 windows: each is a plain ``(N, C, *out)`` view.
        """
        for tap in taps(self.kernel):
            yield (slice(None), slice(None)) + tuple(
                slice(t, t + k * o, k) for t, k, o in zip(tap, self.kernel, self.out))

    def flat_windows(self, x, fill):
        """Every window as a row: ``(N, C, *out, prod(kernel))`` (a copy)."""
        win = windows(pad(x, self.pads, fill), self.kernel, self.stride, self.dilation)
        return win.reshape(*win.shape[: 2 + self.d], int(np.prod(self.kernel)))


def checked(input, kernel_size, stride, padding, dilation, grad_output=None):
    """Validate a pooling's arguments: ``(x as float, geometry, grad_output as float or None)``."""
    x = array(input, "input", min_ndim=3, expect="(N, C, *spatial) with at least one spatial dim")
    x = as_float(x, float_dtype(x))
    g = PoolGeometry(x.shape, kernel_size, stride, padding, dilation)
    if grad_output is not None:
        out = x.shape[:2] + g.out
        grad_output = as_float(array(grad_output, "grad_output", shape=out, expect=f"the pooling's output shape {out}"),
                               x.dtype)
    return x, g, grad_output


def _tiled_max(x, g):
    """One elementwise maximum per tap instead of a reduction over a gathered copy (NaN propagates)."""
    every = g.taps()
    y = x[next(every)].copy()
    for tap in every:
        np.maximum(y, x[tap], out=y)
    return y


def max_pool_nd(input, kernel_size, stride=None, padding=0, dilation=1):
    """Max pooling of ``input`` ``(N, C, *spatial)`` into ``(N, C, *out)``; see the module docstring.

    Args:
        kernel_size, stride (default ``kernel_size``), dilation: positive int or tuple of ints.
        padding: int or tuple, at most half the kernel; pads with -inf.

    Returns:
        ``(N, C, *out)`` in the input's floating dtype (float64 for integer input).

    Raises:
        TypeError: an input of another dtype, or a size argument that is not an int or tuple of ints
        (a float, a bool or a string such as ``'same'``).
        ValueError: non-positive kernel/stride/dilation, padding above half the kernel, a window
        larger than the padded input or one that covers only padding, or too few dims.
    """
    x, g, _ = checked(input, kernel_size, stride, padding, dilation)
    if g.tiles:
        return _tiled_max(x, g)
    return g.flat_windows(x, -np.inf).max(axis=-1)


def _torch_argmax(x, g):
    """Flat tap index ``(N, C, *out)`` of the entry of each window that torch's CPU kernel picks."""
    win = g.flat_windows(x, -np.inf)                  # (N, C, *out, K)
    index = np.argmax(win, axis=-1)                   # first maximum (numpy: the first NaN)
    y = np.take_along_axis(win, index[..., None], axis=-1)[..., 0]
    nan = np.isnan(y)
    if nan.any():                                     # torch's "val > max or isnan(val)" keeps the last NaN
        index[nan] = win.shape[-1] - 1 - np.argmax(np.isnan(win[nan][:, ::-1]), axis=-1)
    blocked = y == -np.inf                            # nothing beat -inf: torch keeps its first tap inside the input
    if blocked.any() and any(lo for lo, _ in g.pads):
        per_dim = [f.reshape(-1, *[1] * (g.d - i - 1)) for i, f in enumerate(g.first_inside)]
        first = np.broadcast_to(np.ravel_multi_index(np.broadcast_arrays(*per_dim), g.kernel), index.shape)
        index[blocked] = first[blocked]
    return index


def max_pool_nd_backward(grad_output, input, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient of :func:`max_pool_nd` with respect to ``input``: ``(N, C, *spatial)``, in the input's dtype.

    Each entry of ``grad_output`` ``(N, C, *out)`` goes to the entry of its window that torch picks
    (module docstring); overlapping windows that share it add their gradients there.

    Raises:
        TypeError, ValueError: as :func:`max_pool_nd`, or a ``grad_output`` not of the output's shape.
    """
    x, g, grad_output = checked(input, kernel_size, stride, padding, dilation, grad_output)
    if g.tiles:
        y = _tiled_max(x, g)
        if not np.isnan(y).any():   # NaN windows need torch's last-NaN rule: the general path has it
            return _tiled_max_backward(grad_output, x, y, g)
    taps = np.unravel_index(_torch_argmax(x, g), g.kernel)
    # Padded-input coordinate of each chosen tap: position * stride + tap * dilation.
    padded = tuple(h + 2 * lo for h, (lo, _) in zip(x.shape[2:], g.pads))
    coords = [np.arange(x.shape[0]).reshape(-1, *[1] * (1 + g.d)),
              np.arange(x.shape[1]).reshape(1, -1, *[1] * g.d)]
    for i in range(g.d):
        pos = np.arange(g.out[i]).reshape(*[1] * (2 + i), -1, *[1] * (g.d - i - 1))
        coords.append(pos * g.stride[i] + taps[i] * g.dilation[i])
    flat = np.ravel_multi_index(np.broadcast_arrays(*coords), x.shape[:2] + padded)
    grad = np.bincount(flat.ravel(), weights=grad_output.ravel(), minlength=int(np.prod(x.shape[:2] + padded)))
    return grad.reshape(x.shape[:2] + padded).astype(x.dtype, copy=False)[crop(g.pads, x.shape[2:])]


def _tiled_max_backward(grad_output, x, y, g):
    """Non-overlapping windows: each window's first maximum (taps in row-major order) gets the gradient.

    One pass per tap over ``(N, C, *out)`` buffers reused in place: this is the 2x2 max-pool hot path.
    """
    covered = all(h == k * o for h, k, o in zip(x.shape[2:], g.kernel, g.out))   # no leftover rows to zero
    finite = bool(np.isfinite(grad_output).all())        # then g * mask is exact (inf * 0 would be NaN)
    grad = np.empty(x.shape, x.dtype) if covered and finite else np.zeros(x.shape, x.dtype)
    first, unclaimed = np.empty(y.shape, bool), np.ones(y.shape, bool)   # unclaimed: maximum not found yet
    for tap in g.taps():
        np.logical_and(np.equal(x[tap], y, out=first), unclaimed, out=first)
        if finite:
            np.multiply(grad_output, first, out=grad[tap])
        else:
            np.copyto(grad[tap], grad_output, where=first)
        np.logical_xor(unclaimed, first, out=unclaimed)
    return grad


@ieee
def avg_pool_nd(input, kernel_size, stride=None, padding=0):
    """Average pooling of ``input`` ``(N, C, *spatial)`` into ``(N, C, *out)``, in the input's floating dtype.

    Zero padding counts towards the window size (torch's default ``count_include_pad=True``).

    Raises:
        TypeError, ValueError: as :func:`max_pool_nd`.
    """
    x, g, _ = checked(input, kernel_size, stride, padding, 1)
    work = work_dtype(x.dtype)
    if g.tiles:
        y = np.zeros(x.shape[:2] + g.out, dtype=work)
        for tap in g.taps():
            y += x[tap]
        y /= np.prod(g.kernel)
    else:
        y = g.flat_windows(x, 0.0).mean(axis=-1, dtype=work)
    return as_float(y, x.dtype)


@ieee
def avg_pool_nd_backward(grad_output, input, kernel_size, stride=None, padding=0):
    """Gradient of :func:`avg_pool_nd` with respect to ``input``: every tap of a window gets ``1/K`` of its gradient.

    Returns ``(N, C, *spatial)`` in the input's floating dtype. Raises as :func:`avg_pool_nd`.
    """
    x, g, grad_output = checked(input, kernel_size, stride, padding, 1, grad_output)
    work = work_dtype(x.dtype)
    share = as_float(grad_output, work) / np.prod(g.kernel)
    # Average pooling is a per-channel convolution with a constant kernel, so its
    # input gradient is that convolution's col2im: reuse conv's scatter.
    n, c = x.shape[:2]
    cg = ConvGeometry((n * c, 1, *x.shape[2:]), (1, 1, *g.kernel), g.stride, [p for p, _ in g.pads], 1, 1)
    cols = np.broadcast_to(share.reshape(1, 1, share.size), (1, int(np.prod(g.kernel)), share.size))
    return as_float(col2im(cols, cg, work).reshape(x.shape), x.dtype)


def min_pool_nd(input, kernel_size, stride=None, padding=0, dilation=1):
    """Min pooling: the smallest value in each window, i.e. ``-max_pool_nd(-input)`` (after converting integers
    to float, so negating a ``uint8`` image cannot wrap). Arguments, dtypes and errors as :func:`max_pool_nd`."""
    x = array(input, "input")
    return -max_pool_nd(-as_float(x, float_dtype(x)), kernel_size, stride, padding, dilation)


@ieee
def global_avg_pool(input):
    """Global average pooling: the mean of each channel, ``(N, C, *spatial) -> (N, C)``, in the input's floating dtype.

    Lin et al. (2013), "Network in Network", use it in place of fully-connected layers.

    Raises:
        TypeError: an input of another dtype. ValueError: fewer than 3 dims or an empty spatial size.
    """
    x = array(input, "input", min_ndim=3, expect="(N, C, *spatial) with at least one spatial dim")
    if 0 in x.shape[2:]:
        raise ValueError(f"input has shape {x.shape}: an empty spatial size has no mean")
    dtype = float_dtype(x)
    return as_float(x.mean(axis=tuple(range(2, x.ndim)), dtype=work_dtype(dtype)), dtype)


max_pool1d, max_pool2d, max_pool3d = (fixed_dims(max_pool_nd, d) for d in (1, 2, 3))
max_pool1d_backward, max_pool2d_backward, max_pool3d_backward = (fixed_dims(max_pool_nd_backward, d) for d in (1, 2, 3))
avg_pool1d, avg_pool2d, avg_pool3d = (fixed_dims(avg_pool_nd, d) for d in (1, 2, 3))
avg_pool1d_backward, avg_pool2d_backward, avg_pool3d_backward = (fixed_dims(avg_pool_nd_backward, d) for d in (1, 2, 3))
min_pool1d, min_pool2d, min_pool3d = (fixed_dims(min_pool_nd, d) for d in (1, 2, 3))
