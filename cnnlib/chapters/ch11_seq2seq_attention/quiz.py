"""Self-check quiz of chapter 11, "Seq2seq and attention" (jupyterquiz's format).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed here, not typed;
no math markup (jupyterquiz would fetch MathJax).
"""

from cnnlib.checks import within

from . import TARGET_VOCAB

_STEPS = len(
    TARGET_VOCAB.encode(["2024-03-05"], eos=True)[0][0]
)  # 10 characters + </s>
_TOKENS = 30
_SCORES = _TOKENS * _TOKENS

QUIZ = [
    {
        "question": "A trained model translates an input into 2024-03-05. How many "
            "decoder steps does greedy decoding run for it, counting the step that "
            "writes the end token?",
        "type": "numeric",
        "answers": [
            within(
                _STEPS - 0.5,
                _STEPS + 0.5,
                True,
                "Right: ten characters, then the end token that stops decoding.",
            ),
            within(
                _STEPS - 1.5,
                _STEPS - 0.5,
                False,
                "The end token is written by a step of its own: that is how the "
                "decoder decides where the output stops.",
            ),
            {
                "type": "default",
                "feedback": "One step per output character, plus one for the end "
                    "token.",
            },
        ],
    },
    {
        "question": "What does the decoder receive as its input at step t during "
            "training with teacher forcing?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "the true output character of step t - 1 (the start token "
                    "at the first step)",
                "correct": True,
                "feedback": "Right: the target shifted right by one, so an early "
                    "mistake cannot derail the steps after it.",
            },
            {
                "answer": "the character it predicted itself at step t - 1",
                "correct": False,
                "feedback": "That is what happens at test time (greedy decoding), "
                    "when there is no target to feed in.",
            },
            {
                "answer": "the true output character of step t",
                "correct": False,
                "feedback": "Then it would only have to copy its input: the character "
                    "it must predict cannot also be its input.",
            },
        ],
    },
    {
        "question": "An input row has 7 real characters and 3 padding positions. What "
            "total attention weight do the 3 padding positions get at one decoder "
            "step?",
        "type": "numeric",
        "answers": [
            within(
                -0.001,
                0.001,
                True,
                "Right: their scores are set to minus infinity before the softmax, "
                "and exp(-inf) = 0 exactly.",
            ),
            {
                "type": "default",
                "feedback": "The mask sets the scores of padding positions to minus "
                    "infinity before the softmax. What is exp(-inf)?",
            },
        ],
    },
    {
        "question": "Without attention, how does the decoder see the input?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "through one fixed vector, the encoder's summary, the same "
                    "at every step",
                "correct": True,
                "feedback": "Right: however long the input, it must fit into that one "
                    "vector: the bottleneck.",
            },
            {
                "answer": "through all of the encoder's states, weighted anew at each "
                    "step",
                "correct": False,
                "feedback": "That is what attention adds.",
            },
            {
                "answer": "one input character per output step, in order",
                "correct": False,
                "feedback": "That would be a word-for-word translation; it fails as "
                    "soon as the orders or lengths differ, as in 5 March 2024 -> "
                    "2024-03-05.",
            },
        ],
    },
    {
        "question": "Self-attention with one head over a sequence of 30 tokens: how "
            "many attention scores (query-key pairs) does it compute?",
        "type": "numeric",
        "answers": [
            within(
                _SCORES - 0.5,
                _SCORES + 0.5,
                True,
                "Right: every position is a query against every position, 30 x 30; "
                "the cost grows with the square of the length.",
            ),
            within(
                _TOKENS - 0.5,
                _TOKENS + 0.5,
                False,
                "That is one query's row. In self-attention every position is a "
                "query.",
            ),
            {
                "type": "default",
                "feedback": "Each of the 30 queries scores each of the 30 keys.",
            },
        ],
    },
    {
        "question": "Why does a transformer add positional encodings to its inputs?",
        "type": "multiple_choice",
        "answers": [
            {
                "answer": "self-attention is permutation-equivariant: without them, "
                    "shuffling the words would just shuffle the outputs",
                "correct": True,
                "feedback": "Right: nothing else in a transformer layer knows the "
                    "order.",
            },
            {
                "answer": "to mark which positions are padding",
                "correct": False,
                "feedback": "Padding is masked out with the attention mask.",
            },
            {
                "answer": "to scale the scores by the square root of d_k",
                "correct": False,
                "feedback": "The scaling keeps the softmax from saturating; it does "
                    "not carry any order.",
            },
        ],
    },
]
