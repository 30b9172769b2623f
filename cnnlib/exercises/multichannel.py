"""Checks for chapter 5 (multi-channel tensors).

Every expected value is computed here from :mod:`cnnlib.counting` and
:mod:`cnnlib.functional`, never typed in, and the feedback never states it.
"""
import numpy as np

from cnnlib.counting import conv_params
from cnnlib.functional import conv2d, conv_output_size

from . import close, exercise, same_function

# The layers the exercises ask about (the notebook states the same settings).
PARAMS_LAYER = dict(c_in=64, c_out=128, kernel_size=(5, 5), bias=True)
SHAPE_LAYER = dict(n=8, c_in=3, h=64, w=48, c_out=16, kernel=5, stride=2, padding=1)
GROUPED_LAYER = dict(c_in=64, c_out=128, kernel=3, groups=4)
KERNELS_LAYER = dict(c_in=16, c_out=32, kernel=3)


def _as_shape(answer, n):
    shape = tuple(int(v) for v in answer)
    if len(shape) != n:
        raise ValueError(f"a shape with {n} entries is expected, yours has {len(shape)}")
    return shape


@exercise("ch05-params", "C_out filters, each with C_in x K_h x K_w weights, plus one bias per filter.")
def _params(answer):
    expected = conv_params(**PARAMS_LAYER)
    ok, feedback = close(answer, expected)
    if not ok and np.isclose(float(answer), expected - PARAMS_LAYER["c_out"]):
        return False, "you are missing the biases."
    return ok, feedback


@exercise("ch05-output-shape", "Batch and channels first: (N, C_out, H', W'), with H' = floor((H + 2P - K) / S) + 1.")
def _output_shape(answer):
    s = SHAPE_LAYER
    expected = (s["n"], s["c_out"], conv_output_size(s["h"], s["kernel"], s["stride"], s["padding"]),
                conv_output_size(s["w"], s["kernel"], s["stride"], s["padding"]))
    shape = _as_shape(answer, 4)
    if shape == expected:
        return True, ""
    notes = []
    if shape[0] != expected[0]:
        notes.append("the batch size N passes through a convolution unchanged")
    if shape[1] != expected[1]:
        notes.append("the number of output channels is the number of filters")
    if shape[2:] != expected[2:]:
        notes.append("check H' and W' with the output-size formula (padding on both sides, floor)")
    return False, "; ".join(notes) + "."


@exercise("ch05-grouped-weight", "torch's layout: (C_out, C_in / groups, K_h, K_w).")
def _grouped_weight(answer):
    g = GROUPED_LAYER
    expected = (g["c_out"], g["c_in"] // g["groups"], g["kernel"], g["kernel"])
    shape = _as_shape(answer, 4)
    if shape == expected:
        return True, ""
    if shape[1] == g["c_in"]:
        return False, "each filter sees only the input channels of its own group."
    if shape[0] != expected[0]:
        return False, "the first entry counts all the filters of the layer, across groups."
    return False, "compare your shape entry by entry with the layout in the hint."


@exercise("ch05-kernels-count", "One filter is a stack of C_in kernels; the layer has C_out filters.")
def _kernels_count(answer):
    k = KERNELS_LAYER
    ok, feedback = close(answer, k["c_out"] * k["c_in"])
    if not ok and np.isclose(float(answer), k["c_out"]):
        return False, "that is the number of filters; each filter holds several 2D kernels."
    return ok, feedback


def _reference_conv(x, w, b):
    return conv2d(x, w, b)


def _cases():
    rng = np.random.default_rng(5)
    shapes = [((1, 3, 8, 8), (1, 3, 3, 3)), ((2, 3, 7, 9), (4, 3, 3, 3)), ((1, 5, 6, 6), (2, 5, 1, 1)),
              ((3, 2, 5, 6), (3, 2, 2, 3))]
    return [(rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])) for xs, ws in shapes]


@exercise("ch05-channel-sum", "Loop over output channels o and input channels c; add conv2d of x[:, c:c+1] with "
          "w[o:o+1, c:c+1], then add b[o].")
def _channel_sum(fn):
    if not callable(fn):
        return False, "pass your function itself (no parentheses)."
    return same_function(fn, _reference_conv, _cases())
