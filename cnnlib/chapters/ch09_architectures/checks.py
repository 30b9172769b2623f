"""Checks for chapter 9, "AlexNet and the architectures after it"
(``notebooks/09_architectures.ipynb``).

Expected values are computed here (with :mod:`cnnlib.counting`, :mod:`cnnlib.models` and
torch), never typed in, and the feedback never states them. The hints are in the
notebook, under each exercise.
"""

import numpy as np

from cnnlib import counting
from cnnlib.checks import close, convolution_shortcuts, exercise, same_function

#: ch09-conv1-size: AlexNet's conv1 (96 filters, 11x11, stride 4, no padding) on RGB
# images.
CONV1 = {"c_in": 3, "c_out": 96, "kernel": 11, "stride": 4}
#: ch09-bottleneck-madds: a 56x56 map with 256 channels; the bottleneck's width is 64.
BOTTLENECK = {"side": 56, "channels": 256, "width": 64}


@exercise("ch09-conv1-size")
def _conv1_size(answer):
    if len(answer) != 3:
        return False, "give three numbers: (side for 227, side for 224, parameters)."
    k, s = CONV1["kernel"], CONV1["stride"]
    sides = [(n - k) // s + 1 for n in (227, 224)]
    params = counting.conv_params(CONV1["c_in"], CONV1["c_out"], (k, k))
    a227, a224, p = answer
    if float(a224) != int(float(a224)):
        return (
            False,
            "an output size is a whole number of window positions: round down.",
        )
    ok, fb = close([a227, a224], sides)
    if not ok:
        return False, "output sides: " + fb
    if int(p) == params - CONV1["c_out"]:
        return False, "the sides are right; the parameter count is missing the biases."
    ok, fb = close(p, params)
    return (
        (True, "both sides and the parameter count are right.")
        if ok
        else (False, "the sides are right; parameters: " + fb)
    )


def _grouped_savings():
    """Parameters AlexNet saves by grouping conv2, conv4 and conv5 into two towers."""
    w = (96, 256, 384, 384, 256)
    layers = [(w[0], w[1], 5), (w[2], w[3], 3), (w[3], w[4], 3)]  # conv2, conv4, conv5
    return sum(
        counting.conv_params(a, b, (k, k))
        - counting.conv_params(a, b, (k, k), groups=2)
        for a, b, k in layers
    )


@exercise("ch09-tower-savings")
def _tower_savings(answer):
    expected = _grouped_savings()
    try:
        value = int(answer)
    except (TypeError, ValueError):
        return False, "give one whole number of parameters."
    if value == 2 * expected:
        return (
            False,
            "a grouped layer keeps half of the weights, so it saves the other half, "
            "not all of them.",
        )
    return close(value, expected)


def reference_receptive_field(layers):
    """The reference for ch09-receptive-field:
    :func:`cnnlib.counting.receptive_field`."""
    return counting.receptive_field(layers)


#: Test cases for ch09-receptive-field: ``(layers,)`` tuples.
RF_CASES = [
    ([(3, 1, 1), (3, 1, 1)],),
    (
        [
            (11, 4, 1),
            (3, 2, 1),
            (5, 1, 1),
            (3, 2, 1),
            (3, 1, 1),
            (3, 1, 1),
            (3, 1, 1),
            (3, 2, 1),
        ],
    ),
    ([(7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 1)],),
    ([(3, 1, 1), (3, 1, 2), (3, 1, 4)],),  # dilated: 3, 7, 15
    ([(1, 1, 1)],),
    ([],),
]


@exercise("ch09-receptive-field")
def _receptive_field(fn):
    return same_function(
        fn, reference_receptive_field, RF_CASES, forbid=[counting.receptive_field]
    )


def reference_conv1x1(x, weight):
    """The reference for ch09-conv1x1: torch's ``conv2d`` with a 1x1 kernel."""
    import torch

    return torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(weight)).numpy()


def conv1x1_cases(rng=None):
    """``(x, weight)`` pairs of several shapes for ch09-conv1x1."""
    rng = np.random.default_rng(9) if rng is None else rng
    shapes = [
        ((1, 3, 4, 5), (2, 3)),
        ((2, 16, 7, 7), (4, 16)),
        ((1, 1, 3, 3), (5, 1)),
        ((3, 8, 1, 9), (8, 8)),
    ]
    return [
        (rng.standard_normal(xs), rng.standard_normal(ws)[:, :, None, None])
        for xs, ws in shapes
    ]


@exercise("ch09-conv1x1")
def _conv1x1(fn):
    return same_function(
        fn, reference_conv1x1, conv1x1_cases(), forbid=convolution_shortcuts()
    )


def _bottleneck_madds():
    n, c, w = BOTTLENECK["side"], BOTTLENECK["channels"], BOTTLENECK["width"]
    out = (n, n)
    bottleneck = (
        counting.conv_multiplies(out, (1, 1), c, w)
        + counting.conv_multiplies(out, (3, 3), w, w)
        + counting.conv_multiplies(out, (1, 1), w, c)
    )
    basic = 2 * counting.conv_multiplies(out, (3, 3), c, c)
    return bottleneck, basic


@exercise("ch09-bottleneck-madds")
def _bottleneck(answer):
    if len(answer) != 2:
        return False, "give two numbers: (bottleneck block, two 3x3 convolutions)."
    bottleneck, basic = _bottleneck_madds()
    ok, fb = close(answer[0], bottleneck)
    if not ok:
        return False, "the bottleneck block: " + fb
    ok, fb = close(answer[1], basic)
    if not ok:
        return False, "the two 3x3 convolutions: " + fb
    return (
        True,
        f"the bottleneck needs {basic / bottleneck:.0f} times fewer multiply-adds.",
    )
