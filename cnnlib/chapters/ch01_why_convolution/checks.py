"""Checks for chapter 1, "Why convolution" (``notebooks/01_why_convolution.ipynb``).

Each check computes the expected value itself (with :mod:`cnnlib.counting` and
:mod:`cnnlib.functional`) and never reveals it. The hints are in the notebook, under
each exercise.
"""

import numpy as np

from cnnlib import counting
from cnnlib.checks import close, exercise, same_function
from cnnlib.functional import conv2d, conv_output_size, correlate

from . import relu, sigmoid


@exercise("ch01-param-count")
def _param_count(answer):
    """32x32x3 input -> 16 maps of 30x30 (3x3 kernels, valid): (dense, convolution)."""
    out = conv_output_size(32, 3)
    expected = (
        counting.dense_params(32 * 32 * 3, out * out * 16),
        counting.conv_params(3, 16, (3, 3)),
    )
    answer = np.asarray(answer, dtype=float).ravel()
    if answer.shape != (2,):
        return False, "give two numbers: (fully-connected count, convolution count)."
    names = ["fully-connected count", "convolution count"]
    for name, a, e in zip(names, answer, expected):
        ok, feedback = close(a, e)
        if not ok:
            return False, f"the {name} is not right: {feedback}"
    return (
        True,
        f"the convolution needs {expected[0] / expected[1]:,.0f} times fewer "
        "parameters.",
    )


@exercise("ch01-receptive-field")
def _receptive_field(answer):
    """conv3, conv3, max-pool 2 (stride 2), conv3, conv3."""
    stack = [(3, 1, 1), (3, 1, 1), (2, 2, 1), (3, 1, 1), (3, 1, 1)]
    size, _ = counting.receptive_field(stack)
    return close(answer, size)


@exercise("ch01-by-hand")
def _by_hand(answer):
    x, w, b = np.array([1.0, 3.0, 2.0, 0.0, -1.0]), np.array([1.0, 0.0, -1.0]), -1.0
    z = correlate(x, w, "valid") + b
    if np.shape(answer) == z.shape and np.allclose(answer, z):
        return False, "those are the values before the activation: apply the ReLU."
    return close(answer, relu(z))


def _sigmoid_conv2d(image, weight, bias):
    image, weight = np.asarray(image)[None, None], np.asarray(weight)[None, None]
    return sigmoid(conv2d(image, weight, np.array([bias]))[0, 0])


def _shortcuts():
    """Routines that compute all patches at once: ch01-slide-2d asks for loops."""
    import scipy.ndimage
    import scipy.signal
    from numpy.lib.stride_tricks import as_strided, sliding_window_view

    import cnnlib.functional as F

    from . import mlpconv, slide_neuron_2d

    found = [
        F.conv1d,
        F.conv2d,
        F.conv3d,
        F.conv_nd,
        F.conv_nd_naive,
        F.convolve,
        F.correlate,
        F.linear_matrix,
        np.convolve,
        np.correlate,
        sliding_window_view,
        as_strided,
        scipy.signal.correlate2d,
        scipy.signal.convolve2d,
        scipy.signal.correlate,
        scipy.signal.convolve,
        scipy.signal.fftconvolve,
        scipy.signal.oaconvolve,
        scipy.ndimage.correlate,
        scipy.ndimage.convolve,
        slide_neuron_2d,
        mlpconv,
    ]
    try:  # loaded now, so that a function importing torch itself meets the ban too
        import torch
    except ImportError:
        return found
    return found + [torch.conv2d, torch.nn.functional.conv2d]


def _cases_2d():
    """Images and kernels of several shapes (a 1x1 kernel too), with biases."""
    rng = np.random.default_rng(1)
    shapes = [((6, 7), (3, 3), 0.5), ((5, 5), (2, 4), -1.0), ((4, 4), (1, 1), 0.0),
              ((3, 8), (3, 3), 2.0)]  # fmt: skip
    return [(rng.normal(size=i), rng.normal(size=k), b) for i, k, b in shapes]


@exercise("ch01-slide-2d")
def _slide_2d(answer):
    if not callable(answer):
        return False, "the answer should be your function apply_everywhere itself."
    return same_function(answer, _sigmoid_conv2d, _cases_2d(), forbid=_shortcuts())


@exercise("ch01-dense-nonzeros")
def _dense_nonzeros(answer):
    """The 3x3 convolution 28x28 -> 26x26 as a matrix: one non-zero per multiply."""
    out = conv_output_size(28, 3)
    return close(answer, counting.conv_multiplies((out, out), (3, 3)))
