"""Self-check quiz of chapter 3, "Convolution in image processing" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers and which answers are right
are computed with :mod:`cnnlib.kernels`, :mod:`cnnlib.counting` and the chapter's own
functions, not typed; no math markup (jupyterquiz would fetch MathJax).
"""

import numpy as np

from cnnlib import counting, kernels
from cnnlib.checks import within as _within

from . import convolve_image, filter_image, separate


_BOX = kernels.box(3)
_NOISE_FACTOR = float(1 / np.sqrt(np.sum(_BOX**2)))  # 3 for the 3x3 box

_K = 9  # a 9x9 Gaussian, applied as one 2D pass or as two 1D passes
_ONE_PASS = counting.conv_multiplies((1, 1), (_K, _K))
_TWO_PASSES = counting.conv_multiplies((1, 1), (_K, 1)) + counting.conv_multiplies(
    (1, 1), (1, _K)
)
_SAVING = _ONE_PASS / _TWO_PASSES

_FLAT = np.full((7, 7), 0.6)
_EDGE_ON_FLAT = float(filter_image(_FLAT, kernels.LAPLACIAN, padding="valid").max())

_probe = np.random.default_rng(0).random((9, 9))
_SOBEL_FLIPS_SIGN = bool(
    np.allclose(
        convolve_image(_probe, kernels.SOBEL_X), -filter_image(_probe, kernels.SOBEL_X)
    )
)

_SEPARABLE = {
    name: separate(kernels.named()[name]) is not None
    for name in ("Gaussian blur", "box blur", "Sobel x", "Laplacian", "sharpen")
}
_WHY_SEPARABLE = {
    "Gaussian blur": "the 2D bell curve is a 1D bell curve down times one across.",
    "box blur": "equal weights: a column of ones times a row of ones, scaled.",
    "Sobel x": "a (1, 2, 1) smoothing column times a (-1, 0, 1) difference row.",
    "Laplacian": "it has rank 2: no single column times row gives it.",
    "sharpen": "it has rank 2: no single column times row gives it.",
}


QUIZ = [
    {
        "question": "A kernel's weights sum to 0 (like Sobel or the Laplacian). What "
        "does it output on a flat region of the photo, where every pixel is 0.6?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "0",
                "correct": bool(np.isclose(_EDGE_ON_FLAT, 0)),
                "feedback": "Right: the output is 0.6 times the sum of the weights, so "
                "only changes (edges, texture) survive.",
            },
            {
                "answer": "0.6",
                "correct": False,
                "feedback": "That is what a kernel whose weights sum to 1 (a blur, "
                "a sharpen) gives.",
            },
            {
                "answer": "it depends on the signs of the weights",
                "correct": False,
                "feedback": "On a flat region every weight meets the same value: only "
                "their sum matters.",
            },
        ],
    },
    {
        "question": "Every pixel of a photo carries independent noise of the same "
        "standard deviation. By what factor does a 3x3 box blur (nine weights of 1/9) "
        "shrink that standard deviation?",
        "type": "numeric",
        "answers": [
            _within(
                _NOISE_FACTOR - 0.05,
                _NOISE_FACTOR + 0.05,
                True,
                "Right: the noise of a weighted sum has standard deviation "
                "times the square root of the sum of the squared weights, here 1/3.",
            ),
            _within(
                8.95,
                9.05,
                False,
                "That is the factor for the variance; the standard "
                "deviation is its square root.",
            ),
            {
                "type": "default",
                "feedback": "Add up the squared weights (nine times 1/81) and take the "
                "square root.",
            },
        ],
    },
    {
        "question": "A 9x9 Gaussian blur is separable. How many times fewer multiplies "
        "per pixel do two 1D passes need than one 2D pass?",
        "type": "numeric",
        "answers": [
            _within(
                _SAVING - 0.01,
                _SAVING + 0.01,
                True,
                f"Right: {_ONE_PASS} multiplies against 9 + 9 = "
                f"{_TWO_PASSES}; for a K x K kernel the factor is K / 2.",
            ),
            _within(
                8.99,
                9.01,
                False,
                "Each pass still costs 9 multiplies per pixel, and there "
                "are two of them.",
            ),
            {"type": "default", "feedback": "Compare 9 times 9 with 9 plus 9."},
        ],
    },
    {
        "question": "You filter a photo with Sobel x by true convolution (the kernel "
        "rotated 180 degrees first) instead of cross-correlation. What do you get?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "minus the cross-correlation: every edge changes sign",
                "correct": _SOBEL_FLIPS_SIGN,
                "feedback": "Right: the rotation negates Sobel x (it is "
                "antisymmetric), so convolution gives the negative.",
            },
            {
                "answer": "the same picture",
                "correct": False,
                "feedback": "That holds for symmetric kernels such as the Gaussian, "
                "not for Sobel x.",
            },
            {
                "answer": "Sobel y, the vertical edges become horizontal ones",
                "correct": False,
                "feedback": "A 180-degree rotation is not a transpose: the kernel "
                "keeps its direction and changes its sign.",
            },
        ],
    },
    {
        "question": "Which of these kernels are separable, that is, one column times "
        "one row? (choose all that apply)",
        "type": "many_choice",
        "answers": [
            {
                "answer": name,
                "correct": separable,
                "feedback": ("Yes: " if separable else "No: ") + _WHY_SEPARABLE[name],
            }
            for name, separable in _SEPARABLE.items()
        ],
    },
]
