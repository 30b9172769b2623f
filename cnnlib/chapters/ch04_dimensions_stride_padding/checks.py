"""Checks for chapter 4, "Convolution in 1D, 2D and 3D" (padding, stride, dilation).

Every expected value is computed here with :mod:`cnnlib.functional` or
:mod:`cnnlib.counting`, never typed in, so a check cannot drift from the library. The
hints are in the notebook, under each exercise.
"""

import numpy as np

from cnnlib.checks import close, convolution_shortcuts, exercise, same_function
from cnnlib.counting import receptive_field
from cnnlib.functional import conv2d, conv_output_size

# ch04-output-size: (H, K, P, S, D) for each case, in the order the notebook lists them.
OUTPUT_SIZE_CASES = (
    (32, 5, 0, 1, 1),
    (32, 3, 1, 2, 1),
    (28, 3, 0, 1, 2),
    (227, 11, 0, 4, 1),
    (64, 7, 3, 2, 1),
)

# ch04-strided: the worked example's 3x3 input and 2x2 kernel, padding 1 and stride 2.
STRIDED_INPUT = np.arange(9.0).reshape(3, 3)
STRIDED_KERNEL = np.arange(4.0).reshape(2, 2)
STRIDED_ARGS = dict(padding=1, stride=2)

# ch04-dilated-rf: three 3x3 convolutions, stride 1, dilations 1, 2, 4.
DILATED_STACK = ((3, 1, 1), (3, 1, 2), (3, 1, 4))


@exercise("ch04-output-size")
def _output_size(answer):
    expected = [
        conv_output_size(h, k, stride=s, padding=p, dilation=d)
        for h, k, p, s, d in OUTPUT_SIZE_CASES
    ]
    answer = np.asarray(answer, dtype=float).ravel()
    if answer.shape != (len(expected),):
        return (
            False,
            f"give {len(expected)} numbers, one per case; you gave {answer.size}.",
        )
    wrong = [i + 1 for i, (a, e) in enumerate(zip(answer, expected)) if a != e]
    if wrong:
        return False, f"case(s) {wrong} are off."
    return True, "all five sizes are right."


@exercise("ch04-strided")
def _strided(answer):
    x, w = STRIDED_INPUT[None, None], STRIDED_KERNEL[None, None]
    return close(answer, conv2d(x, w, **STRIDED_ARGS)[0, 0])


@exercise("ch04-same-padding")
def _same_padding(answer):
    return close(answer, (5 - 1) // 2)


@exercise("ch04-dilated-rf")
def _dilated_rf(answer):
    return close(answer, receptive_field(DILATED_STACK)[0])


@exercise("ch04-mismatch")
def _mismatch(answer):
    return close(answer, (8 - 1) / 9)


def _valid_conv2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    return conv2d(image[None, None], kernel[None, None])[0, 0]


@exercise("ch04-conv2d-loops")
def _conv2d_loops(fn):
    if not callable(fn):
        return False, "the answer should be your function (conv2d_valid, not a call)."
    rng = np.random.default_rng(4)
    cases = [
        (np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2)),
        (rng.normal(size=(6, 7)), rng.normal(size=(3, 3))),
        (rng.normal(size=(5, 8)), rng.normal(size=(2, 4))),
        (rng.normal(size=(4, 4)), rng.normal(size=(4, 4))),
        (rng.normal(size=(6, 5)), rng.normal(size=(1, 1))),
    ]
    return same_function(fn, _valid_conv2d, cases, forbid=convolution_shortcuts())


# ch04-never-read: (H, K, P, S, D) of the two cases, in the notebook's order.
NEVER_READ_CASES = ((6, 3, 0, 2, 1), (10, 3, 0, 4, 1))


@exercise("ch04-never-read")
def _never_read(answer):
    from . import never_read

    expected = [never_read(*case) for case in NEVER_READ_CASES]
    try:
        given = [sorted(int(r) for r in rows) for rows in answer]
    except TypeError:
        return False, "give one list of row indices per case, e.g. [[...], [...]]."
    if len(given) != len(expected):
        return False, f"give {len(expected)} lists, one per case, not {len(given)}."
    wrong = [i + 1 for i, (a, e) in enumerate(zip(given, expected)) if a != e]
    if wrong:
        return False, f"case(s) {wrong} are off (rows are numbered from 0)."
    return True, "both cases are right."
