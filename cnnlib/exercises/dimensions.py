"""Checks for chapter 4, "Convolution in 1D, 2D and 3D" (padding, stride, dilation).

Every expected value is computed here with :mod:`cnnlib.functional` or
:mod:`cnnlib.counting`, never typed in, so a check cannot drift from the library.
"""
import numpy as np

from cnnlib.counting import receptive_field
from cnnlib.functional import conv2d, conv_output_size

from . import close, exercise, same_function

# ch04-output-size: (H, K, P, S, D) for each case, in the order the notebook lists them.
OUTPUT_SIZE_CASES = ((32, 5, 0, 1, 1), (32, 3, 1, 2, 1), (28, 3, 0, 1, 2), (227, 11, 0, 4, 1), (64, 7, 3, 2, 1))

# ch04-strided: the worked example's 3x3 input and 2x2 kernel, with padding 1 and stride 2.
STRIDED_INPUT = np.arange(9.0).reshape(3, 3)
STRIDED_KERNEL = np.arange(4.0).reshape(2, 2)
STRIDED_ARGS = dict(padding=1, stride=2)

# ch04-dilated-rf: three 3x3 convolutions, stride 1, dilations 1, 2, 4.
DILATED_STACK = ((3, 1, 1), (3, 1, 2), (3, 1, 4))


def _valid_conv2d_reference(image, kernel):
    return conv2d(np.asarray(image, float)[None, None], np.asarray(kernel, float)[None, None])[0, 0]


@exercise("ch04-output-size", "Use floor((H + 2P - D(K-1) - 1) / S) + 1 for each case; the dilated kernel spans D(K-1)+1 cells.")
def _output_size(answer):
    expected = [conv_output_size(h, k, stride=s, padding=p, dilation=d) for h, k, p, s, d in OUTPUT_SIZE_CASES]
    answer = np.asarray(answer, dtype=float).ravel()
    if answer.shape != (len(expected),):
        return False, f"give {len(expected)} numbers, one per case; you gave {answer.size}."
    wrong = [i + 1 for i, (a, e) in enumerate(zip(answer, expected)) if a != e]
    if wrong:
        return False, f"case(s) {wrong} are off."
    return True, "all five sizes are right."


@exercise("ch04-strided", "Pad the 3x3 input with a ring of zeros (5x5), then place the 2x2 kernel at rows/columns 0 and 2 only.")
def _strided(answer):
    expected = conv2d(STRIDED_INPUT[None, None], STRIDED_KERNEL[None, None], **STRIDED_ARGS)[0, 0]
    return close(answer, expected)


@exercise("ch04-same-padding", "With stride 1 the output has H + 2P - K + 1 entries per side; set that equal to H.")
def _same_padding(answer):
    return close(answer, (5 - 1) // 2)


@exercise("ch04-dilated-rf", "Each layer adds D(K-1) input positions (times the product of earlier strides, here 1).")
def _dilated_rf(answer):
    return close(answer, receptive_field(DILATED_STACK)[0])


@exercise("ch04-mismatch", "Count the products: each agreeing pixel gives +1, each disagreeing one -1; then divide by 9.")
def _mismatch(answer):
    return close(answer, (8 - 1) / 9)


@exercise("ch04-conv2d-loops", "Output (i, j) is np.sum(image[i:i+Kh, j:j+Kw] * kernel); the output is (H-Kh+1, W-Kw+1).")
def _conv2d_loops(fn):
    rng = np.random.default_rng(4)
    cases = [(np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2)),
             (rng.normal(size=(6, 7)), rng.normal(size=(3, 3))),
             (rng.normal(size=(5, 8)), rng.normal(size=(2, 4))),
             (rng.normal(size=(4, 4)), rng.normal(size=(4, 4))),
             (rng.normal(size=(6, 5)), rng.normal(size=(1, 1)))]
    return same_function(fn, _valid_conv2d_reference, cases)
