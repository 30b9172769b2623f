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
window's maximum (the first one, in row-major order, on ties, as torch does
on the CPU); average pooling spreads it evenly over the window.
"""
import itertools

import numpy as np

from ._args import as_tuple, check_ndim, output_shape, positive
from .conv import ConvGeometry, col2im, pad, windows


class PoolGeometry:
    """Checked, resolved sizes of one pooling: kernel, stride, padding, dilation and output."""

    def __init__(self, shape, kernel_size, stride, padding, dilation, d):
        self.d = d
        self.shape = tuple(shape)
        self.kernel = positive(as_tuple(kernel_size, d, "kernel_size"), "kernel_size")
        self.stride = self.kernel if stride is None else positive(as_tuple(stride, d, "stride"), "stride")
        self.dilation = positive(as_tuple(dilation, d, "dilation"), "dilation")
        pads = as_tuple(padding, d, "padding")
        if any(p < 0 or p > k // 2 for p, k in zip(pads, self.kernel)):
            raise ValueError(f"padding={pads} must be between 0 and half the kernel size {self.kernel}")
        self.pads = [(p, p) for p in pads]
        self.out = output_shape(self.shape[2:], self.kernel, self.stride, self.pads, self.dilation, "pooling window")
        self._check_windows_see_input()

    def _check_windows_see_input(self):
        """With dilation, a window's taps can all land in the padding: refuse rather than return -inf."""
        for h, k, s, dl, (p, _), o in zip(self.shape[2:], self.kernel, self.stride, self.dilation, self.pads, self.out):
            taps = np.arange(o)[:, None] * s + np.arange(k)[None, :] * dl     # padded coordinates
            inside = (taps >= p) & (taps < p + h)
            if not inside.any(axis=1).all():
                bad = int(np.argmin(inside.any(axis=1)))
                raise ValueError(f"pooling window {bad} (kernel {k}, dilation {dl}, padding {p}) covers only padding "
                                 f"of an input of size {h}; reduce the padding or dilation")

    @property
    def tiles(self):
        """True when the windows tile the input exactly: no overlap, gaps or padding."""
        return (self.stride == self.kernel and set(self.dilation) == {1} and not any(lo for lo, _ in self.pads))

    def taps(self):
        """For tiled windows: one strided slice per tap, in row-major tap order.

        Slice ``t`` picks tap ``t`` of every window at once, e.g. ``x[..., 0::2, 1::2]``
        for tap (0, 1) of 2x2 windows: each is a plain ``(N, C, *out)`` view.
        """
        for tap in itertools.product(*(range(k) for k in self.kernel)):
            yield (slice(None), slice(None)) + tuple(
                slice(t, t + k * o, k) for t, k, o in zip(tap, self.kernel, self.out))

    def flat_windows(self, x, fill):
        """Every window as a row: ``(N, C, *out, prod(kernel))`` (a copy)."""
        win = windows(pad(x, self.pads, fill), self.kernel, self.stride, self.dilation)
        return win.reshape(*win.shape[: 2 + self.d], -1)


def max_pool_nd(input, kernel_size, stride=None, padding=0, dilation=1):
    """Max pooling of ``input`` ``(N, C, *spatial)`` into ``(N, C, *out)``; see the module docstring.

    Raises:
        ValueError: non-positive kernel/stride/dilation, padding above half the kernel,
        or a window larger than the padded input.
    """
    x = np.asarray(input)
    g = PoolGeometry(x.shape, kernel_size, stride, padding, dilation, x.ndim - 2)
    if g.tiles:   # one elementwise maximum per tap instead of a reduction over a gathered copy
        taps = g.taps()
        y = x[next(taps)].copy()
        for tap in taps:
            np.maximum(y, x[tap], out=y)
        return y
    return g.flat_windows(x, -np.inf).max(axis=-1)


def max_pool_nd_backward(grad_output, input, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient of :func:`max_pool_nd` with respect to ``input``: ``(N, C, *spatial)``.

    Each entry of ``grad_output`` ``(N, C, *out)`` goes to the argmax of its window;
    overlapping windows that share an argmax add their gradients there.
    """
    x = np.asarray(input)
    g = PoolGeometry(x.shape, kernel_size, stride, padding, dilation, x.ndim - 2)
    grad_output = _check_grad(grad_output, x.shape[:2] + g.out)
    dtype = np.result_type(x, grad_output)
    if g.tiles:
        return _tiled_max_backward(grad_output, x, g, dtype)
    first = np.argmax(g.flat_windows(x, -np.inf), axis=-1)            # (N, C, *out), flat tap index
    taps = np.unravel_index(first, g.kernel)
    # Padded-input coordinate of each argmax: position * stride + tap * dilation.
    padded = tuple(h + 2 * lo for h, (lo, _) in zip(x.shape[2:], g.pads))
    coords = [np.arange(x.shape[0]).reshape(-1, *[1] * (1 + g.d)),
              np.arange(x.shape[1]).reshape(1, -1, *[1] * g.d)]
    for i in range(g.d):
        pos = np.arange(g.out[i]).reshape(*[1] * (2 + i), -1, *[1] * (g.d - i - 1))
        coords.append(pos * g.stride[i] + taps[i] * g.dilation[i])
    flat = np.ravel_multi_index(np.broadcast_arrays(*coords), x.shape[:2] + padded)
    grad = np.bincount(flat.ravel(), weights=grad_output.ravel(), minlength=int(np.prod(x.shape[:2] + padded)))
    grad = grad.reshape(x.shape[:2] + padded).astype(dtype, copy=False)
    crop = tuple(slice(lo, lo + h) for (lo, _), h in zip(g.pads, x.shape[2:]))
    return grad[(slice(None), slice(None)) + crop]


def _tiled_max_backward(grad_output, x, g, dtype):
    """Non-overlapping windows: each window's first maximum (taps in row-major order) gets the gradient."""
    y = max_pool_nd(x, g.kernel, g.stride, 0, 1)
    grad = np.zeros(x.shape, dtype=dtype)
    unclaimed = np.ones(y.shape, dtype=bool)     # windows whose maximum has not been found yet
    for tap in g.taps():
        first = unclaimed & (x[tap] == y)
        grad[tap] = np.where(first, grad_output, 0)
        unclaimed &= ~first
    return grad


def avg_pool_nd(input, kernel_size, stride=None, padding=0):
    """Average pooling of ``input`` ``(N, C, *spatial)`` into ``(N, C, *out)``.

    Zero padding counts towards the window size (torch's default ``count_include_pad=True``).

    Raises:
        ValueError: as :func:`max_pool_nd`.
    """
    x = np.asarray(input)
    g = PoolGeometry(x.shape, kernel_size, stride, padding, 1, x.ndim - 2)
    if g.tiles:
        y = sum(x[tap] for tap in g.taps())
        return y / np.prod(g.kernel)
    return g.flat_windows(x, 0.0).mean(axis=-1)


def avg_pool_nd_backward(grad_output, input, kernel_size, stride=None, padding=0):
    """Gradient of :func:`avg_pool_nd` with respect to ``input``: every tap of a window gets ``1/K`` of its gradient."""
    x = np.asarray(input)
    g = PoolGeometry(x.shape, kernel_size, stride, padding, 1, x.ndim - 2)
    grad_output = _check_grad(grad_output, x.shape[:2] + g.out)
    dtype = np.result_type(x, grad_output)
    share = grad_output / np.prod(g.kernel)
    # Average pooling is a per-channel convolution with a constant kernel, so its
    # input gradient is that convolution's col2im: reuse conv's scatter.
    n, c = x.shape[:2]
    cg = ConvGeometry((n * c, 1, *x.shape[2:]), (1, 1, *g.kernel), g.stride, [p for p, _ in g.pads], 1, 1, g.d)
    cols = np.broadcast_to(share.reshape(1, 1, n * c * int(np.prod(g.out))), (1, int(np.prod(g.kernel)), share.size))
    return col2im(cols, cg, dtype).reshape(x.shape)


def min_pool_nd(input, kernel_size, stride=None, padding=0, dilation=1):
    """Min pooling: the smallest value in each window, i.e. ``-max_pool_nd(-input)``."""
    return -max_pool_nd(-np.asarray(input), kernel_size, stride, padding, dilation)


def global_avg_pool(input):
    """Global average pooling: the mean of each channel, ``(N, C, *spatial) -> (N, C)``.

    Lin et al. (2013), "Network in Network", use it in place of fully-connected layers.
    """
    x = np.asarray(input)
    if x.ndim < 3:
        raise ValueError(f"input has shape {x.shape}; expected (N, C, *spatial) with at least one spatial dim")
    return x.mean(axis=tuple(range(2, x.ndim)))


def _check_grad(grad_output, shape):
    grad_output = np.asarray(grad_output)
    if grad_output.shape != tuple(shape):
        raise ValueError(f"grad_output has shape {grad_output.shape}; the pooling's output has shape {tuple(shape)}")
    return grad_output


def _fixed_dims(d):
    shape = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[d]

    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1):
        return max_pool_nd(check_ndim(input, d), kernel_size, stride, padding, dilation)

    def max_pool_backward(grad_output, input, kernel_size, stride=None, padding=0, dilation=1):
        return max_pool_nd_backward(grad_output, check_ndim(input, d), kernel_size, stride, padding, dilation)

    def avg_pool(input, kernel_size, stride=None, padding=0):
        return avg_pool_nd(check_ndim(input, d), kernel_size, stride, padding)

    def avg_pool_backward(grad_output, input, kernel_size, stride=None, padding=0):
        return avg_pool_nd_backward(grad_output, check_ndim(input, d), kernel_size, stride, padding)

    def min_pool(input, kernel_size, stride=None, padding=0, dilation=1):
        return min_pool_nd(check_ndim(input, d), kernel_size, stride, padding, dilation)

    fns = (max_pool, max_pool_backward, avg_pool, avg_pool_backward, min_pool)
    for fn, base in zip(fns, (max_pool_nd, max_pool_nd_backward, avg_pool_nd, avg_pool_nd_backward, min_pool_nd)):
        fn.__name__ = base.__name__.replace("_nd", f"{d}d")
        fn.__doc__ = f"{d}D version of :func:`{base.__name__}` for input {shape}: same arguments, result and errors.\n\n" + base.__doc__
    return fns


max_pool1d, max_pool1d_backward, avg_pool1d, avg_pool1d_backward, min_pool1d = _fixed_dims(1)
max_pool2d, max_pool2d_backward, avg_pool2d, avg_pool2d_backward, min_pool2d = _fixed_dims(2)
max_pool3d, max_pool3d_backward, avg_pool3d, avg_pool3d_backward, min_pool3d = _fixed_dims(3)
