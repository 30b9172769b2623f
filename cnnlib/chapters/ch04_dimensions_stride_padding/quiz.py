"""Self-check quiz of chapter 4, "Convolution in 1D, 2D and 3D" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.functional`, :mod:`cnnlib.counting` and the chapter's own functions, not
typed; no math markup (jupyterquiz would fetch MathJax).
"""

import numpy as np

from cnnlib.counting import receptive_field
from cnnlib.functional import conv2d, conv_output_size

from . import PATTERNS, match_map


def _within(lo, hi, correct, feedback):
    """A numeric answer accepted anywhere in [lo, hi] (jupyterquiz's "range" type)."""
    return dict(type="range", range=[lo, hi], correct=correct, feedback=feedback)


_STRIDED = conv_output_size(32, 3, stride=2, padding=1)
_UNPADDED = conv_output_size(32, 3, stride=2)

_SAME_7 = next(p for p in range(8) if conv_output_size(20, 7, padding=p) == 20)

_RF_STRIDED = receptive_field([(3, 2, 1), (3, 1, 1)])[0]
_RF_PLAIN = receptive_field([(3, 1, 1), (3, 1, 1)])[0]

_pattern = PATTERNS["centre cross"]
_patch = _pattern.copy()
_patch[0, 0] *= -1
_patch[2, 1] *= -1  # two of the nine pixels disagree
_SCORE_TWO_WRONG = float(match_map(_patch, _pattern)[0, 0])

_x = np.random.default_rng(0).normal(size=(1, 1, 9, 9))
_w = np.ones((1, 1, 3, 3))
_EVERY_OTHER = bool(
    np.allclose(conv2d(_x, _w, stride=2), conv2d(_x, _w, stride=1)[..., ::2, ::2])
)


QUIZ = [
    {
        "question": "A 3x3 convolution with padding 1 and stride 2 is applied to a "
        "32x32 image. How many outputs does it give along each side?",
        "type": "numeric",
        "answers": [
            _within(
                _STRIDED - 0.5,
                _STRIDED + 0.5,
                True,
                "Right: floor((32 + 2 - 2 - 1) / 2) + 1.",
            ),
            _within(
                _UNPADDED - 0.5,
                _UNPADDED + 0.5,
                False,
                "That is the size without the padding: add 2P to H first.",
            ),
            _within(
                31.5,
                32.5,
                False,
                "Padding 1 keeps the size only at stride 1; stride 2 halves it.",
            ),
            {
                "type": "default",
                "feedback": "Use floor((H + 2P - D(K - 1) - 1) / S) + 1 with H = 32, "
                "K = 3, P = 1, S = 2, D = 1.",
            },
        ],
    },
    {
        "question": "How much zero padding on each side keeps the size of an image "
        "through a 7x7 convolution with stride 1 and dilation 1?",
        "type": "numeric",
        "answers": [
            _within(
                _SAME_7 - 0.5,
                _SAME_7 + 0.5,
                True,
                "Right: P = (K - 1) / 2, so the 6 cells the kernel loses "
                "are split between the two sides.",
            ),
            _within(
                5.5,
                6.5,
                False,
                "That is the total the output would shrink by; padding is "
                "added on both sides.",
            ),
            {
                "type": "default",
                "feedback": "At stride 1 the output has H + 2P - (K - 1) entries per "
                "side: set that equal to H.",
            },
        ],
    },
    {
        "question": "How does the output of a stride-2 convolution relate to the "
        "output of the same convolution with stride 1?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "it is every other entry of the stride-1 output, in each "
                "direction",
                "correct": _EVERY_OTHER,
                "feedback": "Right: stride changes which outputs are kept, not what "
                "each output computes.",
            },
            {
                "answer": "it is the stride-1 output averaged over 2x2 blocks",
                "correct": False,
                "feedback": "That would be average pooling after the convolution; "
                "stride just skips positions.",
            },
            {
                "answer": "it uses a kernel twice as large",
                "correct": False,
                "feedback": "The kernel is the same; only the step between its "
                "positions changes.",
            },
        ],
    },
    {
        "question": "Two 3x3 convolutions are stacked; the first has stride 2, the "
        "second stride 1. How many input cells, along one axis, does one output of the "
        "second layer see?",
        "type": "numeric",
        "answers": [
            _within(
                _RF_STRIDED - 0.5,
                _RF_STRIDED + 0.5,
                True,
                "Right: the first layer sees 3 cells; the stride makes its "
                "neighbouring outputs 2 input cells apart, so the second adds 2 x 2.",
            ),
            _within(
                _RF_PLAIN - 0.5,
                _RF_PLAIN + 0.5,
                False,
                "That is the receptive field with stride 1 everywhere: "
                "the stride multiplies what every later layer adds.",
            ),
            {
                "type": "default",
                "feedback": "Start from 1; each layer adds (K - 1) times the product "
                "of the strides before it.",
            },
        ],
    },
    {
        "question": "A 3x3 pattern of +1/-1 pixels lies over a +1/-1 patch that agrees "
        "with it in 7 pixels and disagrees in 2. What is the match score (the mean of "
        "the 9 products)? Give two decimals.",
        "type": "numeric",
        "answers": [
            _within(
                _SCORE_TWO_WRONG - 0.006,
                _SCORE_TWO_WRONG + 0.006,
                True,
                "Right: (7 - 2) / 9; every wrong pixel costs 2/9.",
            ),
            _within(
                7 / 9 - 0.006,
                7 / 9 + 0.006,
                False,
                "A disagreeing pixel does not add 0 but -1.",
            ),
            {
                "type": "default",
                "feedback": "Agreeing pixels give +1, disagreeing ones -1: add them "
                "and divide by 9.",
            },
        ],
    },
    {
        "question": "Why can a 2D convolution applied to each frame of a video not "
        "detect motion, while a 3D one can?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "each of its outputs depends on a single frame only",
                "correct": True,
                "feedback": "Right: a 3D kernel spans frames, so it can weigh frame t "
                "by -1 and frame t+1 by +1, which is zero on a still clip.",
            },
            {
                "answer": "its kernel is too small to see a moving person",
                "correct": False,
                "feedback": "Size is not the problem: even a large 2D kernel sees one "
                "frame at a time.",
            },
            {
                "answer": "it flips the kernel, which cancels the motion",
                "correct": False,
                "feedback": "Neither flips the kernel here; both are cross-"
                "correlations.",
            },
        ],
    },
]
