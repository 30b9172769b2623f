"""Self-check quiz of chapter 5, "Multi-channel tensors" (jupyterquiz's format).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.counting` and :func:`cnnlib.functional.conv_output_size`, not typed; no
math markup (jupyterquiz would fetch MathJax).
"""

from cnnlib import counting
from cnnlib.functional import conv_output_size


def _exactly(value, feedback):
    return {
        "type": "range",
        "range": [value - 0.5, value + 0.5],
        "correct": True,
        "feedback": feedback,
    }


_PARAMS = counting.conv_params(32, 64, (3, 3))
_GROUPED = counting.conv_params(64, 64, (3, 3), groups=8, bias=False)
_SIDE = conv_output_size(32, 3)
_MULTS = counting.conv_multiplies((_SIDE, _SIDE), (3, 3), c_in=3, c_out=16)
_SAME = conv_output_size(32, 3, padding=1)

QUIZ = [
    {
        "question": "An RGB image (3 channels) is convolved with ONE filter of shape "
        "3 x 5 x 5 (no padding). How many channels does the output have?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "1",
                "correct": True,
                "feedback": "Right: the filter covers all 3 channels at once, so "
                "along the channel axis it fits exactly once (3 - 3 + 1): one filter, "
                "one map.",
            },
            {
                "answer": "3",
                "correct": False,
                "feedback": "The three per-channel responses are added up, not kept "
                "apart.",
            },
            {
                "answer": "5",
                "correct": False,
                "feedback": "5 is the kernel's height and width; it says nothing about "
                "channels.",
            },
        ],
    },
    {
        "question": "How many parameters (weights and biases) does the layer "
        "Conv2d(32, 64, kernel_size=3) have?",
        "type": "numeric",
        "answers": [
            _exactly(
                _PARAMS, "Right: 64 filters of 32 x 3 x 3 weights, plus 64 biases."
            ),
            {
                "type": "range",
                "range": [_PARAMS - 64.5, _PARAMS - 63.5],
                "correct": False,
                "feedback": "Close: add one bias per filter.",
            },
            {
                "type": "default",
                "feedback": "Each of the 64 filters spans all 32 input channels.",
            },
        ],
    },
    {
        "question": "A batch of shape (8, 3, 32, 32) goes through "
        "Conv2d(3, 16, kernel_size=3, padding=1). What is the output shape?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": f"(8, 16, {_SAME}, {_SAME})",
                "correct": True,
                "feedback": "Right: N stays, C becomes the number of filters, and "
                "padding 1 keeps a 3 x 3 kernel's output as large as its input.",
            },
            {
                "answer": f"(8, 3, {_SAME}, {_SAME})",
                "correct": False,
                "feedback": "The output has one channel per filter, not per input "
                "channel.",
            },
            {
                "answer": f"(8, 16, {_SIDE}, {_SIDE})",
                "correct": False,
                "feedback": "That would be without padding.",
            },
            {
                "answer": f"(16, 3, {_SAME}, {_SAME})",
                "correct": False,
                "feedback": "The batch size passes through a convolution unchanged.",
            },
        ],
    },
    {
        "question": "How many weights (no biases) has Conv2d(64, 64, kernel_size=3, "
        "groups=8)?",
        "type": "numeric",
        "answers": [
            _exactly(
                _GROUPED,
                "Right: 64 filters, each reading only the 64 / 8 = 8 channels of its "
                "group: 64 x 8 x 3 x 3.",
            ),
            {
                "type": "range",
                "range": [8 * _GROUPED - 0.5, 8 * _GROUPED + 0.5],
                "correct": False,
                "feedback": "That is the ungrouped layer: with groups, each filter "
                "sees only its own group's channels.",
            },
            {
                "type": "default",
                "feedback": "The weight shape is (C_out, C_in / groups, K_h, K_w).",
            },
        ],
    },
    {
        "question": "What can a 1x1 convolution do? (choose all that apply)",
        "type": "many_choice",
        "answers": [
            {
                "answer": "mix the channels at each pixel with one shared matrix",
                "correct": True,
                "feedback": "Yes: it is a small dense layer across channels, the same "
                "at every position.",
            },
            {
                "answer": "reduce the number of channels before an expensive layer",
                "correct": True,
                "feedback": "Yes: Inception and ResNet bottlenecks do exactly that.",
            },
            {
                "answer": "detect an edge between neighbouring pixels",
                "correct": False,
                "feedback": "It sees one pixel at a time, never its neighbours.",
            },
            {
                "answer": "nothing useful: it multiplies each pixel by one number",
                "correct": False,
                "feedback": "Only with a single input and a single output channel.",
            },
        ],
    },
    {
        "question": "How many multiplications does Conv2d(3, 16, kernel_size=3) need "
        "for one 32x32 image (no padding, stride 1)?",
        "type": "numeric",
        "answers": [
            _exactly(
                _MULTS,
                f"Right: {_SIDE} x {_SIDE} positions, 16 filters, 3 x 3 x 3 products "
                "each.",
            ),
            {
                "type": "default",
                "feedback": "Count the output values (positions times filters), then "
                "the products behind each one (the filter's size).",
            },
        ],
    },
]
