"""Self-check quiz of chapter 6, "Pooling" (jupyterquiz's format).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.functional`, not typed; no math markup (jupyterquiz would fetch MathJax).
"""

import numpy as np

import cnnlib.functional as F


def _near(value, correct, feedback):
    """A numeric answer accepted within 0.5 of ``value``."""
    rng = [value - 0.5, value + 0.5]
    return {"type": "range", "range": rng, "correct": correct, "feedback": feedback}


_SIDE = F.max_pool2d(np.zeros((1, 1, 31, 31)), 3, 2).shape[-1]
_GAP = F.global_avg_pool(np.zeros((8, 64, 7, 7))).size

QUIZ = [
    {
        "question": "A max-pooling layer with 3x3 windows and stride 2 receives a "
        "31x31 feature map. How many pixels wide is its output?",
        "type": "numeric",
        "answers": [
            _near(
                _SIDE,
                True,
                "Right: floor((31 - 3) / 2) + 1, the same rule as a "
                "convolution without padding.",
            ),
            _near(
                16,
                False,
                "Half of 31, rounded up, is not the rule: count the "
                "window positions, floor((H - K) / S) + 1.",
            ),
            {
                "type": "default",
                "feedback": "Use floor((H - K) / S) + 1 for each spatial size.",
            },
        ],
    },
    {
        "question": "How many trainable parameters does a 2x2 max-pooling layer on a "
        "64-channel input have?",
        "type": "numeric",
        "answers": [
            _near(
                0,
                True,
                "Right: its 'filter' is fixed (take the maximum), so there "
                "is nothing to learn.",
            ),
            {
                "type": "default",
                "feedback": "Pooling slides a window like a convolution, but what does "
                "it compute inside the window? Is anything in it learned?",
            },
        ],
    },
    {
        "question": "Which statements are true? (choose all that apply)",
        "type": "many_choice",
        "answers": [
            {
                "answer": "Convolution is shift-equivariant: a shifted input gives a "
                "shifted output.",
                "correct": True,
                "feedback": "Yes: the same filter is applied at every position.",
            },
            {
                "answer": "Pooling makes features change less when the input moves by "
                "a pixel or two.",
                "correct": True,
                "feedback": "Yes: a peak that moves inside its window leaves the "
                "pooled value alone.",
            },
            {
                "answer": "Max pooling makes features exactly invariant to any small "
                "shift.",
                "correct": False,
                "feedback": "No: peaks that cross a window border change the output; "
                "the invariance is only approximate.",
            },
            {
                "answer": "Average pooling is a grouped convolution with a constant "
                "kernel, stride equal to the window.",
                "correct": True,
                "feedback": "Yes: a K x K kernel of 1 / K squared on each channel "
                "alone (groups = C).",
            },
        ],
    },
    {
        "question": "In the backward pass of 2x2 max pooling, where does the gradient "
        "of one output value go?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "all of it to the position of its window's largest input",
                "correct": True,
                "feedback": "Right: only the winner influenced the output; the other "
                "three positions get 0.",
            },
            {
                "answer": "a quarter of it to each of the four positions",
                "correct": False,
                "feedback": "That is average pooling's backward pass.",
            },
            {
                "answer": "nowhere: pooling has no parameters, so no gradient passes",
                "correct": False,
                "feedback": "No parameters means nothing to update in the layer, but "
                "the gradient must still reach the layers before it.",
            },
        ],
    },
    {
        "question": "Zero-mean Gaussian noise is added to a photo before an edge "
        "filter and ReLU. Which 4x4 pooling keeps the pooled maps closer to the clean "
        "ones?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "average pooling",
                "correct": True,
                "feedback": "Right: averaging 16 values cancels much of their noise.",
            },
            {
                "answer": "max pooling",
                "correct": False,
                "feedback": "The maximum picks the largest noise value of each "
                "window; max pooling wins with faint activations everywhere instead.",
            },
        ],
    },
    {
        "question": "Global average pooling is applied to a batch of shape "
        "(8, 64, 7, 7). How many numbers come out?",
        "type": "numeric",
        "answers": [
            _near(
                _GAP,
                True,
                "Right: one number per channel per image, (8, 64).",
            ),
            {
                "type": "default",
                "feedback": "The window is the whole 7x7 map: each channel of each "
                "image becomes one number.",
            },
        ],
    },
]
