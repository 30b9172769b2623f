"""numpy reference operations, named and called like ``torch.nn.functional``.

Convolution (cross-correlation, as in every deep learning library) in 1, 2 and 3
dimensions is one N-dimensional implementation, :func:`conv_nd`; pooling likewise
is :func:`max_pool_nd` and :func:`avg_pool_nd`. Every operation has a
``*_backward`` that returns the gradients of its array inputs. Signals
(chapter 2) have :func:`convolve`, :func:`correlate` and :func:`continuous_convolve`.
"""
from .conv import (conv1d, conv1d_backward, conv2d, conv2d_backward, conv3d, conv3d_backward,
                   conv_nd, conv_nd_backward)
from .matrix import linear_matrix
from .naive import conv_nd_naive
from .pool import (avg_pool1d, avg_pool1d_backward, avg_pool2d, avg_pool2d_backward, avg_pool3d,
                   avg_pool3d_backward, avg_pool_nd, avg_pool_nd_backward, global_avg_pool,
                   max_pool1d, max_pool1d_backward, max_pool2d, max_pool2d_backward, max_pool3d,
                   max_pool3d_backward, max_pool_nd, max_pool_nd_backward, min_pool1d, min_pool2d,
                   min_pool3d, min_pool_nd)
from .signal import continuous_convolve, convolve, correlate
from .conv import conv_nd_backward_from_columns, conv_nd_with_columns
from ._args import ints as _ints
from ._args import output_shape as _output_shape


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output length along one dimension: ``floor((size + 2*padding - dilation*(kernel_size-1) - 1) / stride) + 1``.

    All arguments are ints. Raises TypeError for a non-int (a float or bool), ValueError for a negative
    size or padding, a non-positive kernel size, stride or dilation, or a kernel longer than the padded
    input. (Dumoulin & Visin, 2016, relationship 15.)
    """
    (size,), (padding,) = _ints(size, 1, "size", low=0), _ints(padding, 1, "padding", low=0)
    kernel_size, stride, dilation = (_ints(v, 1, name) for v, name in
                                     ((kernel_size, "kernel_size"), (stride, "stride"), (dilation, "dilation")))
    return _output_shape((size,), kernel_size, stride, [(padding, padding)], dilation)[0]
