"""Self-check quiz of chapter 1, "Why convolution" (jupyterquiz's format).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed with
:mod:`cnnlib.counting`, not typed; no math markup (jupyterquiz would fetch MathJax).
"""

from cnnlib import counting
from cnnlib.functional import conv_output_size

_CONV_5x5 = counting.conv_params(3, 8, (5, 5))
_RF_THREE = counting.receptive_field([(3, 1, 1)] * 3)[0]
_SIDE = conv_output_size(28, 3)
_DENSE_28 = counting.dense_params(28 * 28, _SIDE * _SIDE)
_CONV_3x3 = counting.conv_params(1, 1, (3, 3))

QUIZ = [
    {
        "question": "A layer maps a 28x28 grayscale image to 26x26 outputs. Which "
        "layer's "
        "parameter count grows when the image grows to 256x256?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "the fully-connected layer only",
                "correct": True,
                "feedback": "Right: it has one weight per (input, output) pair, "
                f"{_DENSE_28:,} "
                "at 28x28 and billions at 256x256; the 3x3 convolution keeps its "
                f"{_CONV_3x3}.",
            },
            {
                "answer": "the convolutional layer only",
                "correct": False,
                "feedback": "The convolution reuses the same small kernel at every "
                "position: "
                "its count does not mention the image size.",
            },
            {
                "answer": "both, by the same factor",
                "correct": False,
                "feedback": "Only one of them has a weight per input pixel.",
            },
            {
                "answer": "neither",
                "correct": False,
                "feedback": "Count the dense layer's weights: inputs times outputs.",
            },
        ],
    },
    {
        "question": "How many parameters (weights and biases) has a convolutional "
        "layer "
        "with 8 filters of size 5x5 on a 3-channel image?",
        "type": "numeric",
        "answers": [
            {
                "type": "range",
                "range": [_CONV_5x5 - 0.5, _CONV_5x5 + 0.5],
                "correct": True,
                "feedback": "Right: each filter is 3 x 5 x 5 weights plus one bias.",
            },
            {
                "type": "range",
                "range": [_CONV_5x5 - 8.5, _CONV_5x5 - 7.5],
                "correct": False,
                "feedback": "Close: you forgot the one bias per filter.",
            },
            {
                "type": "default",
                "feedback": "Each filter spans all 3 input channels; add one bias per "
                "filter.",
            },
        ],
    },
    {
        "question": "Written as a matrix product, a 1D convolution layer (before its "
        "activation) has a weight matrix that is ... (choose all that apply)",
        "type": "many_choice",
        "answers": [
            {
                "answer": "mostly zeros: each output sees only K inputs",
                "correct": True,
                "feedback": "Yes: sparse, local connections.",
            },
            {
                "answer": "the same kernel in every row, shifted by one position",
                "correct": True,
                "feedback": "Yes: tied weights, constant along the diagonals "
                "(Toeplitz).",
            },
            {
                "answer": "full of independent weights, one per (input, output) pair",
                "correct": False,
                "feedback": "That is the fully-connected layer.",
            },
            {
                "answer": "square, whatever the kernel size",
                "correct": False,
                "feedback": "Without padding it has L - K + 1 rows for L columns.",
            },
        ],
    },
    {
        "question": "Three 1D convolution layers, each with a kernel of 3 and stride "
        "1, are "
        "stacked. How many input samples does one output of the top layer depend on?",
        "type": "numeric",
        "answers": [
            {
                "type": "range",
                "range": [_RF_THREE - 0.5, _RF_THREE + 0.5],
                "correct": True,
                "feedback": "Right: each layer adds kernel - 1 = 2 samples.",
            },
            {
                "type": "range",
                "range": [8.5, 9.5],
                "correct": False,
                "feedback": "That adds the kernel sizes; neighbouring windows overlap, "
                "so "
                "each layer adds only k - 1.",
            },
            {
                "type": "default",
                "feedback": "Start from 1 and add (kernel - 1) for each layer.",
            },
        ],
    },
    {
        "question": "An EEG recording starts 40 samples later. What happens to the "
        "feature "
        "map of a convolution layer (away from the ends)?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "it is the same map, starting 40 samples later",
                "correct": True,
                "feedback": "Right: translation equivariance, from using the same "
                "weights "
                "everywhere.",
            },
            {
                "answer": "it does not change at all",
                "correct": False,
                "feedback": "That would be invariance; a global pooling gives that, "
                "not a "
                "convolution.",
            },
            {
                "answer": "it changes unpredictably",
                "correct": False,
                "feedback": "That is what a dense layer with random weights does.",
            },
        ],
    },
    {
        "question": "What does a 1x1 convolution from C_in to C_out channels compute?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "the same C_out x C_in matrix times the channel vector of "
                "each pixel",
                "correct": True,
                "feedback": "Right: it mixes channels and never looks at neighbours, "
                "the later "
                "layers of Network in Network's mlpconv.",
            },
            {
                "answer": "a copy of its input",
                "correct": False,
                "feedback": "Only for an identity weight matrix; in general it mixes "
                "channels.",
            },
            {
                "answer": "an average over each 3x3 neighbourhood",
                "correct": False,
                "feedback": "A 1x1 kernel sees one position only.",
            },
        ],
    },
]
