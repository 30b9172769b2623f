"""Self-check quiz of chapter 7, "Backpropagation through convolution" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.functional`, not typed; no math markup (jupyterquiz would fetch MathJax).
"""

import numpy as np

import cnnlib.functional as F

_W, _D = np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.0, 1.0])
_X3 = float(
    F.conv1d_backward(_D[None, None], np.zeros((1, 1, 5)), _W[None, None])[0][0, 0, 2]
)
_POOL = F.max_pool2d_backward(
    np.full((1, 1, 1, 1), 3.0), np.array([[[[4.0, 7.0], [7.0, 1.0]]]]), 2
)[0, 0]
_DB = float(
    F.conv2d_backward(
        np.ones((4, 8, 10, 10)),
        np.zeros((4, 1, 12, 12)),
        np.zeros((8, 1, 3, 3)),
        np.zeros(8),
    )[2][0]
)


def _exact(value, right, wrong=()):
    """A numeric question's answers.

    ``value`` +- 0.5 is right; each ``(value, feedback)`` in ``wrong`` is a known
    mistake.
    """
    answers = [
        {
            "type": "range",
            "range": [value - 0.5, value + 0.5],
            "correct": True,
            "feedback": right,
        }
    ]
    answers += [
        {"type": "range", "range": [v - 0.5, v + 0.5], "correct": False, "feedback": f}
        for v, f in wrong
    ]
    return answers


QUIZ = [
    {
        "question": "A 1D convolution has kernel (w1, w2, w3) = (1, 2, 3) and five "
        "inputs. The "
        "upstream gradients of its three outputs are (d1, d2, d3) = (2, 0, 1). What "
        "gradient reaches the middle input x3?",
        "type": "numeric",
        "answers": _exact(
            _X3,
            "Right: d1 w3 + d2 w2 + d3 w1 = 6 + 0 + 1, the kernel flipped.",
            [
                (
                    2 * 1 + 0 * 2 + 1 * 3,
                    "That pairs d1 with w1: x3 is the third input "
                    "of O1, so O1 reaches it through w3.",
                )
            ],
        )
        + [
            {
                "type": "default",
                "feedback": "x3 is read by all three outputs: add d_j times the "
                "weight that output used on x3.",
            }
        ],
    },
    {
        "question": "A convolution with stride 2 receives its upstream gradient. How "
        "is the "
        "gradient with respect to its input computed?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "insert one zero between neighbouring upstream gradients, "
                "then take a full "
                "convolution with the kernel (a transposed convolution)",
                "correct": True,
                "feedback": "Right: the zeros put each gradient back where its window "
                "started.",
            },
            {
                "answer": "convolve the upstream gradient with the kernel using stride "
                "2 again",
                "correct": False,
                "feedback": "That would make the result smaller still; the input "
                "gradient has the "
                "input's (larger) size.",
            },
            {
                "answer": "exactly as for stride 1: the stride does not change the "
                "backward pass",
                "correct": False,
                "feedback": "With stride 2 the windows start two apart; the gradient "
                "must be spread "
                "out to match.",
            },
        ],
    },
    {
        "question": "Which layers of a CNN have trainable parameters? Choose all that "
        "apply.",
        "type": "many_choice",
        "answers": [
            {
                "answer": "convolution",
                "correct": True,
                "feedback": "Yes: its kernels and biases.",
            },
            {
                "answer": "fully connected",
                "correct": True,
                "feedback": "Yes: its weight matrix and biases.",
            },
            {
                "answer": "ReLU",
                "correct": False,
                "feedback": "ReLU passes the gradient where its input was positive, "
                "but learns "
                "nothing.",
            },
            {
                "answer": "max pooling",
                "correct": False,
                "feedback": "It routes gradient to each window's maximum; it has no "
                "weights.",
            },
            {"answer": "flatten", "correct": False, "feedback": "It only reshapes."},
        ],
    },
    {
        "question": "A gradient check in float64 reports a relative error of 0.4 "
        "between your "
        "backward pass and central differences. What is the most likely cause?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "a bug in the backward pass",
                "correct": True,
                "feedback": "Right: in float64 a correct gradient agrees to about 1e-8 "
                "or better.",
            },
            {
                "answer": "float64 is not precise enough for convolutions",
                "correct": False,
                "feedback": "Rounding in float64 costs about 1e-10 at a good step h, "
                "not 0.4.",
            },
            {
                "answer": "the step h is a little too large",
                "correct": False,
                "feedback": "A slightly large h gives a truncation error of order h "
                "squared, far "
                "below 0.4 for h near 1e-6.",
            },
        ],
    },
    {
        "question": "A 2x2 max-pooling window holds 4, 7, 7, 1 in reading order and "
        "receives an "
        "upstream gradient of 3. Following the rule of torch on the CPU (and of "
        "cnnlib), how much gradient goes to the second 7, the one in the bottom-left "
        "corner?",
        "type": "numeric",
        "answers": _exact(
            float(_POOL[1, 0]),
            "Right: on a tie the first maximum in reading "
            "order takes the whole gradient.",
            [
                (
                    3.0,
                    "That 7 ties for the maximum, but the first one in reading "
                    "order, top right, wins the tie.",
                ),
                (
                    1.5,
                    "The gradient is not shared between tied entries: one of them "
                    "gets all of it.",
                ),
            ],
        )
        + [
            {
                "type": "default",
                "feedback": "Max pooling sends the whole gradient to one entry.",
            }
        ],
    },
    {
        "question": "A convolution layer with 8 output channels receives an upstream "
        "gradient "
        "of all ones with shape (4, 8, 10, 10): a batch of 4, and 10 x 10 outputs "
        "per channel. What is the gradient of the bias of one output channel?",
        "type": "numeric",
        "answers": _exact(
            _DB,
            "Right: the bias is added at every position of every image, so "
            "its gradient sums 4 x 10 x 10 ones.",
            [
                (100.0, "That is one image; the batch adds its 4 images too."),
                (1.0, "The bias is used 400 times, and each use adds its gradient."),
            ],
        )
        + [
            {
                "type": "default",
                "feedback": "Count how many outputs the bias was added to.",
            }
        ],
    },
]
