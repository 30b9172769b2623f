"""Counting: parameters of layers and receptive fields of stacked layers.

Parameter counts follow the weight shapes of ``torch.nn.Linear`` ``(out, in)`` and
``torch.nn.Conv2d`` ``(C_out, C_in / groups, K_h, K_w)``. Receptive-field sizes follow
Dumoulin & Visin (2016) and Araujo et al. (2019), "Computing receptive fields of
convolutional neural networks".
"""
import numpy as np


def dense_params(n_in, n_out, bias=True):
    """Parameters of a fully-connected layer from ``n_in`` to ``n_out`` units: ``n_in * n_out (+ n_out)``."""
    if n_in <= 0 or n_out <= 0:
        raise ValueError(f"n_in={n_in} and n_out={n_out} must be positive")
    return n_in * n_out + (n_out if bias else 0)


def conv_params(c_in, c_out, kernel_size, groups=1, bias=True, dims=None):
    """Parameters of a convolution: ``C_out * (C_in / groups) * prod(kernel) (+ C_out)``.

    Args:
        kernel_size: a tuple of sizes, one per spatial dimension (``(3, 3)`` for a 2D 3x3 kernel),
            or an int together with ``dims`` (``3, dims=2`` is the same 3x3 kernel).
        dims: number of spatial dimensions when ``kernel_size`` is an int.

    Raises:
        ValueError: an int ``kernel_size`` without ``dims`` (a bare 3 could be 3 or 9 or 27 taps),
            or channels not divisible by ``groups``.

    The count does not depend on the input's height and width: that is weight sharing.
    """
    if np.isscalar(kernel_size):
        if dims is None:
            raise ValueError(f"kernel_size={kernel_size} is ambiguous: pass a tuple such as "
                             f"({kernel_size}, {kernel_size}) or give dims=1, 2 or 3")
        kernel = (int(kernel_size),) * dims
    else:
        kernel = tuple(kernel_size)
    if groups <= 0 or c_in % groups or c_out % groups:
        raise ValueError(f"c_in={c_in} and c_out={c_out} must both be divisible by groups={groups}")
    return c_out * (c_in // groups) * int(np.prod(kernel)) + (c_out if bias else 0)


def receptive_field(layers):
    """Receptive field of the last layer of a stack, along one dimension.

    Args:
        layers: sequence of ``(kernel_size, stride, dilation)`` tuples (a pooling layer is
            ``(window, stride, 1)``), first layer first.

    Returns:
        ``(size, jump)``: how many input positions one output position sees, and how far
        apart (in input positions) neighbouring outputs are. Recurrence:
        ``size += dilation * (kernel - 1) * jump``; ``jump *= stride``.
    """
    size, jump = 1, 1
    for kernel, stride, dilation in layers:
        if kernel <= 0 or stride <= 0 or dilation <= 0:
            raise ValueError(f"layer {(kernel, stride, dilation)}: kernel, stride and dilation must be positive")
        size += dilation * (kernel - 1) * jump
        jump *= stride
    return size, jump


def conv_multiplies(out_shape, kernel_shape, c_in=1, c_out=1, groups=1):
    """Multiplications of one convolution: ``prod(out_shape) * prod(kernel_shape) * C_in/groups * C_out``.

    Every output value of every output channel is one dot product of the filter with a window
    of ``C_in / groups`` channels. Add-ups and the bias are not counted (multiply-adds, the unit
    ``torch.utils.flop_counter`` halves its FLOPs into).

    Args:
        out_shape: spatial output shape, e.g. ``(H_out, W_out)``.
        kernel_shape: spatial kernel shape, e.g. ``(K_h, K_w)``.

    Raises:
        ValueError: for negative sizes, or channels not divisible by ``groups``.
    """
    if any(s < 0 for s in (*out_shape, *kernel_shape)):
        raise ValueError(f"out_shape={tuple(out_shape)}, kernel_shape={tuple(kernel_shape)} must be >= 0")
    if groups <= 0 or c_in % groups or c_out % groups:
        raise ValueError(f"c_in={c_in} and c_out={c_out} must both be divisible by groups={groups}")
    return int(np.prod(out_shape)) * int(np.prod(kernel_shape)) * (c_in // groups) * c_out
