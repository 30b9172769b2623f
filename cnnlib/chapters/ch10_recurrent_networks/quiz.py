"""Self-check quiz of chapter 10, "Recurrent networks" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed here, not
typed; no math markup (jupyterquiz would fetch MathJax).
"""

import math

_LOSS = -math.log(0.25)  # the loss when the right character gets probability 0.25
_CLIP = 2.0 / 10.0  # a gradient of norm 10 clipped to norm 2: the scale factor


def _choice(answer, correct, feedback):
    return {"answer": answer, "correct": correct, "feedback": feedback}


def _range(low, high, correct, feedback):
    return {
        "type": "range",
        "range": [low, high],
        "correct": correct,
        "feedback": feedback,
    }


QUIZ = [
    {
        "question": "In the hello model (vocabulary of 4 characters, hidden size 3, "
        "column vectors: h = tanh(W_xh x + W_hh h + b), y = W_hy h), what is the "
        "shape of W_hy?",
        "type": "multiple_choice",
        "answers": [
            _choice(
                "4 x 3", True, "Right: it maps a hidden state of size 3 to 4 logits."
            ),
            _choice(
                "3 x 4",
                False,
                "That is W_xh, from a 4-dim one-hot input to the 3-dim state.",
            ),
            _choice("3 x 3", False, "That is W_hh."),
            _choice(
                "4 x 4",
                False,
                "The output does not see the input directly, only the state.",
            ),
        ],
    },
    {
        "question": "A character model gives the right next character a probability "
        "of 0.25. What is its loss for this step, in nats (natural logarithm)?",
        "type": "numeric",
        "answers": [
            _range(
                _LOSS - 0.01,
                _LOSS + 0.01,
                True,
                "Right: minus the log of 0.25, about 1.386, the loss of a uniform "
                "guess among 4.",
            ),
            _range(
                0.24,
                0.26,
                False,
                "That is the probability; the loss is minus its logarithm.",
            ),
            {
                "type": "default",
                "feedback": "The loss is minus the natural log of the "
                "probability of the right character.",
            },
        ],
    },
    {
        "question": "In the training pairs of 'hello' (h to e, e to l, l to l, l to "
        "o), why can no model without a hidden state get every pair right?",
        "type": "multiple_choice",
        "answers": [
            _choice(
                "the input l has two different targets, l and o",
                True,
                "Right: only a memory of what came before the l tells them apart.",
            ),
            _choice(
                "the vocabulary is too small",
                False,
                "Four characters are enough; the problem is the repeated input.",
            ),
            _choice(
                "the softmax cannot give probability 1",
                False,
                "It can come as close as we like; the problem is the ambiguous l.",
            ),
            _choice(
                "the h has no predecessor",
                False,
                "h to e is easy: h is always followed by e.",
            ),
        ],
    },
    {
        "question": "What does sampling at temperature 0 reduce to?",
        "type": "multiple_choice",
        "answers": [
            _choice(
                "greedy decoding: always the most probable character",
                True,
                "Right, and from the same start it always produces the same "
                "text, often a loop.",
            ),
            _choice(
                "a uniform choice among all characters",
                False,
                "That is the limit of a very high temperature.",
            ),
            _choice("the model's own distribution", False, "That is temperature 1."),
        ],
    },
    {
        "question": "The gradient of all parameters together has norm 10 and is "
        "clipped to norm 2. By what factor is each gradient entry multiplied?",
        "type": "numeric",
        "answers": [
            _range(
                _CLIP - 0.005,
                _CLIP + 0.005,
                True,
                "Right: max_norm / norm = 2 / 10; the direction is unchanged.",
            ),
            _range(
                4.99,
                5.01,
                False,
                "That is norm / max_norm; clipping shrinks the gradient.",
            ),
            {
                "type": "default",
                "feedback": "Clipping rescales the whole gradient so "
                "that its norm becomes max_norm.",
            },
        ],
    },
    {
        "question": "Which of these mainly cures vanishing gradients through time in "
        "a recurrent network?",
        "type": "multiple_choice",
        "answers": [
            _choice(
                "gated cells (LSTM, GRU) with an additive memory path",
                True,
                "Right: the state is carried forward by a gate near 1 instead "
                "of being squashed and multiplied at every step.",
            ),
            _choice(
                "gradient clipping",
                False,
                "Clipping bounds gradients that explode; it cannot enlarge ones "
                "that vanish.",
            ),
            _choice(
                "a larger learning rate",
                False,
                "A gradient of 1e-12 stays negligible next to the recent steps' "
                "gradients, whatever the learning rate.",
            ),
        ],
    },
]
