"""Self-check quiz of chapter 9, "AlexNet and the architectures after it" (jupyterquiz's
format).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.counting`, not typed; no math markup (jupyterquiz would fetch MathJax).
"""

from cnnlib import counting
from cnnlib.checks import within

_RF3 = counting.receptive_field([(3, 1, 1)] * 3)[0]
_ONE_BY_ONE = counting.conv_params(256, 64, (1, 1), bias=False)
_JUMP = counting.receptive_field([(7, 2, 1), (3, 2, 1)])[1]

QUIZ = [
    {
        "question": "Three 3x3 convolutions with stride 1 are stacked. How many input "
        "pixels "
        "wide is the receptive field of one unit of the third layer?",
        "type": "numeric",
        "answers": [
            within(
                _RF3 - 0.5,
                _RF3 + 0.5,
                True,
                "Right: each 3x3 layer adds 2 pixels, 1 + 2 + 2 + 2 = 7, the same as "
                "one "
                "7x7 layer, with 27 instead of 49 weights per channel pair.",
            ),
            within(
                8.5,
                9.5,
                False,
                "That is 3 x 3: receptive fields grow by addition "
                "(kernel - 1 per layer at stride 1), not by multiplication.",
            ),
            {
                "type": "default",
                "feedback": "Start from 1 pixel and add kernel - 1 = 2 per layer.",
            },
        ],
    },
    {
        "question": "How many weights does a 1x1 convolution from 256 to 64 channels "
        "have "
        "(no bias)?",
        "type": "numeric",
        "answers": [
            within(
                _ONE_BY_ONE - 0.5,
                _ONE_BY_ONE + 0.5,
                True,
                "Right: 64 x 256 x 1 x 1. It is a 256-to-64 fully-connected layer "
                "applied "
                "at every pixel, whatever the image size.",
            ),
            {
                "type": "default",
                "feedback": "Output channels x input channels x kernel height "
                "x kernel width.",
            },
        ],
    },
    {
        "question": "A 7x7 convolution with stride 2 is followed by a 3x3 max pooling "
        "with "
        "stride 2 (ResNet's first two layers). How many input pixels apart are "
        "two neighbouring units of the pooling's output?",
        "type": "numeric",
        "answers": [
            within(
                _JUMP - 0.5, _JUMP + 0.5, True, "Right: strides multiply, 2 x 2 = 4."
            ),
            within(
                1.5,
                2.5,
                False,
                "That is the stride of one layer; both layers step by 2.",
            ),
            {
                "type": "default",
                "feedback": "The jump is the product of the strides so far.",
            },
        ],
    },
    {
        "question": "AlexNet's famous 15.3% is",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "the top-5 error on the ILSVRC-2012 test set of an ensemble "
                "of 7 CNNs",
                "correct": True,
                "feedback": "Right. One CNN had 18.2% top-5 error on the validation "
                "set; the "
                "runner-up entry had 26.2% on the test set.",
            },
            {
                "answer": "the top-1 error of one AlexNet on the ILSVRC-2012 "
                "validation set",
                "correct": False,
                "feedback": "No: top-1 errors were around 37-41%. 15.3% counts an "
                "image as right "
                "if the true class is among the five best guesses.",
            },
            {
                "answer": "the top-5 error on the ILSVRC-2010 test set",
                "correct": False,
                "feedback": "No: on ILSVRC-2010 one CNN had 17.0% top-5 error.",
            },
        ],
    },
    {
        "question": "In AlexNet with two towers, conv2 is a grouped convolution "
        "(groups=2). "
        "What does that mean?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "each of its filters reads only the 48 channels of its own "
                "tower",
                "correct": True,
                "feedback": "Right: the 256 filters form two groups of 128, each "
                "reading one half "
                "of conv1's 96 channels. That halves its weights.",
            },
            {
                "answer": "it is applied twice, once per GPU, to the whole input",
                "correct": False,
                "feedback": "No: the two halves have different filters and different "
                "inputs.",
            },
            {
                "answer": "its output is split into two pooled maps",
                "correct": False,
                "feedback": "No: groups split the channels, not the positions.",
            },
        ],
    },
    {
        "question": "A 34-layer plain network has a higher training error than an "
        "18-layer "
        "one. What does He et al.'s experiment say about that?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "it is an optimisation problem: the deeper plain network is "
                "harder to "
                "train, and skip connections fix it",
                "correct": True,
                "feedback": "Right: a higher training error is not overfitting. With "
                "shortcuts "
                "the 34-layer network beats the 18-layer one.",
            },
            {
                "answer": "it is overfitting: the deeper network has more parameters",
                "correct": False,
                "feedback": "Overfitting lowers the training error and raises the test "
                "error; "
                "here the training error is higher.",
            },
            {
                "answer": "it shows that depth does not help image classification",
                "correct": False,
                "feedback": "No: the 34-layer residual network is better than the "
                "18-layer one.",
            },
        ],
    },
]
