"""Self-check quiz of chapter 2, "Continuous and discrete convolution" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.functional`, not typed; no math markup (jupyterquiz would fetch MathJax).
"""

import numpy as np

from cnnlib.functional import convolve

_LENGTHS = {
    mode: len(convolve(np.zeros(50), np.zeros(5), mode)) for mode in ("full", "valid")
}
_VARIANCE = (
    0.6**2 + 0.8**2
)  # variances add: the sum of two independent normal variables

QUIZ = [
    {
        "question": "What makes a convolution different from a cross-correlation?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "the kernel is flipped before it slides",
                "correct": True,
                "feedback": "Right: convolution uses g(x - z), cross-correlation g(z - "
                "x).",
            },
            {
                "answer": "the kernel is normalised to sum to 1",
                "correct": False,
                "feedback": "Neither operation normalises the kernel.",
            },
            {
                "answer": "cross-correlation works only on continuous signals",
                "correct": False,
                "feedback": "Both have a continuous and a discrete version.",
            },
            {
                "answer": "convolution skips the ends of the signal",
                "correct": False,
                "feedback": "That is the boundary mode (valid), which either operation "
                "can use.",
            },
        ],
    },
    {
        "question": "A signal of 50 samples is convolved with a kernel of 5 taps in "
        "full "
        "mode. How many output values are there?",
        "type": "numeric",
        "answers": [
            {
                "type": "range",
                "range": [_LENGTHS["full"] - 0.5, _LENGTHS["full"] + 0.5],
                "correct": True,
                "feedback": "Right: every shift where the two overlap at all.",
            },
            {
                "type": "range",
                "range": [_LENGTHS["valid"] - 0.5, _LENGTHS["valid"] + 0.5],
                "correct": False,
                "feedback": "That is the valid mode: full also counts the "
                "shifts where the kernel hangs over an end.",
            },
            {"type": "default", "feedback": "Full mode gives M + N - 1 outputs."},
        ],
    },
    {
        "question": "Two Gaussian densities with standard deviations 0.6 and 0.8 are "
        "convolved. What is the variance of the result?",
        "type": "numeric",
        "answers": [
            {
                "type": "range",
                "range": [_VARIANCE - 0.005, _VARIANCE + 0.005],
                "correct": True,
                "feedback": "Right: variances add, 0.36 + 0.64.",
            },
            {
                "type": "range",
                "range": [1.395, 1.405],
                "correct": False,
                "feedback": "Standard deviations do not add; their squares do.",
            },
            {
                "type": "default",
                "feedback": "Square each standard deviation, then add.",
            },
        ],
    },
    {
        "question": "A CNN layer that computes cross-correlations is trained on data "
        "made "
        "by a true convolution with some kernel w. What does it learn?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "w reversed, with the same predictions",
                "correct": True,
                "feedback": "Right: the flip is only a relabelling of the weights.",
            },
            {
                "answer": "nothing useful: it cannot represent a convolution",
                "correct": False,
                "feedback": "Correlating with w reversed equals convolving with w.",
            },
            {
                "answer": "w itself",
                "correct": False,
                "feedback": "Try it with an asymmetric kernel: the fit comes out back "
                "to front.",
            },
        ],
    },
    {
        "question": "Which operations are translation invariant, i.e. give the same "
        "output "
        "when the input shifts (with zero padding)? Choose all that apply.",
        "type": "many_choice",
        "answers": [
            {
                "answer": "the global max of a feature map",
                "correct": True,
                "feedback": "Yes: the largest value is the same wherever it sits.",
            },
            {
                "answer": "a convolution",
                "correct": False,
                "feedback": "A convolution is equivariant: its output shifts with the "
                "input.",
            },
            {
                "answer": "a flattening followed by a dense layer",
                "correct": False,
                "feedback": "A dense layer has a different weight for each position.",
            },
        ],
    },
    {
        "question": "Why do deep learning libraries rarely convolve through the FFT?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "their kernels (3x3, say) are far below the size where the "
                "FFT "
                "needs fewer multiplications",
                "correct": True,
                "feedback": "Right: the direct sum costs M N, the FFT about L log L "
                "whatever "
                "the kernel; it pays off only for long kernels.",
            },
            {
                "answer": "the FFT gives a different (wrong) result",
                "correct": False,
                "feedback": "With zero-padding to M + N - 1 the results agree to "
                "rounding.",
            },
            {
                "answer": "the FFT works only for symmetric kernels",
                "correct": False,
                "feedback": "The convolution theorem holds for any kernel.",
            },
        ],
    },
]
