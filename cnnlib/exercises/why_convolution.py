"""Checks for chapter 1, "Why convolution".

Each check computes the expected value itself (with :mod:`cnnlib.counting` and
:mod:`cnnlib.functional`) and never reveals it.
"""
import numpy as np

from .. import counting
from ..functional import conv2d
from ..sharing import sigmoid
from . import close, exercise, same_function


@exercise("ch01-param-count", "a fully-connected layer has one weight per (input value, output value) pair "
          "plus one bias per output value; a convolution has one weight per (output channel, input channel, "
          "kernel tap) plus one bias per output channel.")
def _param_count(answer):
    """32x32x3 input -> 16 feature maps of 30x30 (3x3 kernels, valid): (fully-connected, convolution)."""
    expected = (counting.dense_params(32 * 32 * 3, 30 * 30 * 16), counting.conv_params(3, 16, (3, 3)))
    answer = np.asarray(answer, dtype=float).ravel()
    if answer.shape != (2,):
        return False, "give two numbers: (fully-connected count, convolution count)."
    names = ["fully-connected count", "convolution count"]
    for name, a, e in zip(names, answer, expected):
        ok, feedback = close(a, e)
        if not ok:
            return False, f"the {name} is not right: {feedback}"
    return True, f"the convolution needs {expected[0] / expected[1]:,.0f} times fewer parameters."


@exercise("ch01-receptive-field", "walk up the stack keeping two numbers: the receptive field r and the jump j "
          "(input samples between neighbouring units). A layer with kernel k adds (k - 1) * j to r; "
          "a stride s multiplies j by s.")
def _receptive_field(answer):
    """conv3, conv3, max-pool 2 (stride 2), conv3, conv3."""
    size, _ = counting.receptive_field([(3, 1, 1), (3, 1, 1), (2, 2, 1), (3, 1, 1), (3, 1, 1)])
    return close(answer, size)


@exercise("ch01-by-hand", "y_n = relu(w_0 x_n + w_1 x_(n+1) + w_2 x_(n+2) + b), for n = 0, 1, 2: "
          "no kernel flip, and the bias is added before the ReLU.")
def _by_hand(answer):
    x, w, b = np.array([1.0, 3.0, 2.0, 0.0, -1.0]), np.array([1.0, 0.0, -1.0]), -1.0
    expected = np.maximum(np.convolve(x, w[::-1], mode="valid") + b, 0.0)
    return close(answer, expected)


def _sigmoid_conv2d(image, weight, bias):
    return sigmoid(conv2d(np.asarray(image)[None, None], np.asarray(weight)[None, None], np.array([bias]))[0, 0])


@exercise("ch01-slide-2d", "two nested loops over the output rows n and columns m; the patch is "
          "image[n:n+K_h, m:m+K_w]; the output has shape (H - K_h + 1, W - K_w + 1).")
def _slide_2d(answer):
    rng = np.random.default_rng(1)
    cases = [(rng.normal(size=(6, 7)), rng.normal(size=(3, 3)), 0.5),
             (rng.normal(size=(5, 5)), rng.normal(size=(2, 4)), -1.0),
             (rng.normal(size=(4, 4)), rng.normal(size=(1, 1)), 0.0),
             (rng.normal(size=(3, 8)), rng.normal(size=(3, 3)), 2.0)]
    return same_function(answer, _sigmoid_conv2d, cases)


@exercise("ch01-dense-nonzeros", "each output value is one row of the matrix; how many inputs does one output "
          "of a 3x3 convolution look at, and how many outputs are there?")
def _dense_nonzeros(answer):
    out = 28 - 3 + 1
    return close(answer, out * out * 3 * 3)
