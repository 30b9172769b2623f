"""Self-check quiz of chapter 8, "Building and training a CNN" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed, not typed;
no math markup (jupyterquiz would fetch MathJax from a CDN).
"""
import numpy as np

from cnnlib import layers as L
from cnnlib.checks import within

from . import digits_net, xo_net

_XO_FLAT = int(xo_net(np.random.default_rng(0))[:6](np.zeros((1, 1, 9, 9))).size)
_HEAD = L.Linear(128, 10)
_HEAD_PARAMS = int(sum(p.data.size for p in _HEAD.parameters()))
_DIGITS_PARAMS = int(sum(p.data.size for p in digits_net(np.random.default_rng(0))
                         .parameters()))

QUIZ = [
    {
        "question": "A network scores an image 0.92 for X and 0.51 for O. What do "
                    "these two numbers tell you about its output layer?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Two independent sigmoid outputs: each answers its own yes/no "
                       "question.", "correct": True,
             "feedback": "Right: they sum to 1.43, so no softmax produced them."},
            {"answer": "A softmax over the two classes.", "correct": False,
             "feedback": "A softmax's outputs always sum to 1; these sum to 1.43."},
            {"answer": "The network is untrained.", "correct": False,
             "feedback": "The numbers alone cannot say that; their sum says how they "
                         "were made."},
        ],
    },
    {
        "question": "In the X/O network, a 9x9 glyph passes two 3x3 convolutions "
                    "(3 filters each, no padding) and a 2x2 max pooling. How many "
                    "values does Flatten hand to the output layer?",
        "type": "numeric",
        "precision": 0,
        "answers": [within(_XO_FLAT - 0.5, _XO_FLAT + 0.5,
                           feedback="Right: 9 -> 7 -> 5 -> 2 (the pooling drops the "
                                    "odd row), 3 x 2 x 2 = 12."),
                    within(74.5, 75.5, False, "5 x 5 x 3 is before the pooling; "
                           "2x2 windows moved 2 at a time leave 2 x 2.")],
    },
    {
        "question": "How many parameters has a fully-connected layer from 128 values "
                    "to 10 class scores, biases included?",
        "type": "numeric",
        "precision": 0,
        "answers": [within(_HEAD_PARAMS - 0.5, _HEAD_PARAMS + 0.5,
                           feedback="Right: 128 x 10 weights and 10 biases."),
                    within(1279.5, 1280.5, False, "Add one bias per output.")],
    },
    {
        "question": "Which layers of this chapter's digits network have parameters "
                    "that training changes?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "The two convolutions and the fully-connected layer.",
             "correct": True,
             "feedback": f"Right: {_DIGITS_PARAMS} numbers in all; ReLU, pooling and "
                         "Flatten have none."},
            {"answer": "Every layer, pooling included.", "correct": False,
             "feedback": "Max pooling has a fixed rule (take the largest): nothing "
                         "to learn."},
            {"answer": "Only the last, fully-connected layer.", "correct": False,
             "feedback": "The filters are learned too: that is the point of a CNN."},
        ],
    },
    {
        "question": "A sigmoid output is confidently wrong (target 1, score 0.01). Why "
                    "does the squared error learn slowly from it?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Its gradient carries the sigmoid's slope p(1 - p), almost 0 "
                       "there.",
             "correct": True,
             "feedback": "Right: binary cross-entropy cancels that factor and its "
                         "gradient is p - 1, about -1."},
            {"answer": "The squared error is smaller than the cross-entropy.",
             "correct": False,
             "feedback": "The size of the loss does not matter; its slope does."},
            {"answer": "The learning rate is too small.", "correct": False,
             "feedback": "Both losses were trained with the same rate; only the "
                         "gradient differs."},
        ],
    },
]
