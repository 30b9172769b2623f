"""The convolution written the slow, obvious way: one output value at a time.

This is the definition, kept for reading and for the tests (which check that
the fast im2col version in :mod:`cnnlib.functional.conv` gives the same numbers).
Never use it on real data: it runs a Python loop over every output position.
"""
import numpy as np

from ._args import ieee
from .conv import checked, pad


@ieee
def conv_nd_naive(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Same arguments, result and errors as :func:`cnnlib.functional.conv_nd`, computed by loops.

    For every image ``n``, output channel ``o`` and output position ``pos``:
    take the window of the padded input that starts at ``pos * stride``, keep
    every ``dilation``-th tap, multiply it element by element with the kernel
    ``weight[o]`` and add everything up (plus the bias).
    """
    x, w, b, g, dtype = checked(input, weight, bias, stride, padding, dilation, groups)
    x, w = x.astype(dtype), w.astype(dtype)
    xp = pad(x, g.pads)
    c_group, o_group = g.c_in // g.groups, g.c_out // g.groups
    y = np.zeros(g.out_shape, dtype=dtype)
    for n in range(g.n):
        for o in range(g.c_out):
            first = (o // o_group) * c_group           # this output channel's group of input channels
            for pos in np.ndindex(*g.out):
                window = tuple(slice(p * s, p * s + dl * (k - 1) + 1, dl)
                               for p, s, dl, k in zip(pos, g.stride, g.dilation, g.kernel))
                patch = xp[(n, slice(first, first + c_group)) + window]
                y[(n, o) + pos] = np.sum(patch * w[o]) + (0 if b is None else b[o])
    return y
