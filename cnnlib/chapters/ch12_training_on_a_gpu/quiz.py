"""Self-check quiz of chapter 12, "Training on a GPU" (jupyterquiz).

Shown in the notebook with ``display_quiz(QUIZ)``. Numbers are computed, not typed;
no math markup (jupyterquiz would fetch MathJax from a CDN).
"""
import torch

from cnnlib.checks import within

_FP16_MAX = int(torch.finfo(torch.float16).max)
_WORLD, _GLOBAL_BATCH = 4, 512

QUIZ = [
    {
        "question": "Why does training in float16 need a loss scaler while bfloat16 "
                    "usually does not?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "float16 has only 5 exponent bits: small gradients underflow to "
                       "zero unless the loss is multiplied up first.", "correct": True,
             "feedback": "Right. bfloat16 keeps float32's 8 exponent bits, so it has "
                         "float32's range and loses only digits."},
            {"answer": "float16 has fewer significand bits than bfloat16.",
             "correct": False,
             "feedback": "It has more (10 against 7): float16 is the more precise of "
                         "the two. Its problem is range."},
            {"answer": "bfloat16 computes in float32 underneath.", "correct": False,
             "feedback": "Both are stored in 16 bits; under autocast both multiply in "
                         "16 bits and accumulate in float32."},
        ],
    },
    {
        "question": "What is the largest finite number float16 can store? (An answer "
                    "within 1% is accepted.)",
        "type": "numeric",
        "answers": [
            within(0.99 * _FP16_MAX, 1.01 * _FP16_MAX,
                   feedback="Right: 65,504. Anything larger becomes infinity."),
            within(-1e12, 1e12, correct=False,
                   feedback="Not quite: with 5 exponent bits the largest power of two "
                            "is 2 to the 15th, times a significand just under 2."),
        ],
    },
    {
        "question": f"Data-parallel training on {_WORLD} GPUs with a global batch of "
                    f"{_GLOBAL_BATCH} images: how many images does each GPU process "
                    "per step?",
        "type": "numeric",
        "answers": [
            within(_GLOBAL_BATCH // _WORLD, _GLOBAL_BATCH // _WORLD + 1,
                   feedback="Right: each copy of the model sees its own quarter."),
            within(0, 1e9, correct=False,
                   feedback="Every GPU holds a whole copy of the model and gets an "
                            "equal share of the batch."),
        ],
    },
    {
        "question": "In DistributedDataParallel, what keeps the copies of the model on "
                    "different GPUs identical?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Their gradients are averaged across GPUs (all-reduce) during "
                       "the backward pass, so every copy takes the same step.",
             "correct": True,
             "feedback": "Right: same start, same step, same weights."},
            {"answer": "Every step, GPU 0 sends its weights to the others.",
             "correct": False,
             "feedback": "Only at the start are weights copied; afterwards gradients "
                         "are exchanged, which is enough."},
            {"answer": "Every GPU sees the same images.", "correct": False,
             "feedback": "Each sees a different shard of the batch; that is where the "
                         "speed-up comes from."},
        ],
    },
    {
        "question": "Before reading the clock to time training on a GPU, why call "
                    "torch.cuda.synchronize()?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "GPU work runs asynchronously: without it the clock measures "
                       "only how fast Python queued the work.", "correct": True,
             "feedback": "Right: a CUDA call returns as soon as the kernel is queued."},
            {"answer": "It copies the weights back to the CPU.", "correct": False,
             "feedback": "It copies nothing; it waits for the queued kernels."},
            {"answer": "It frees GPU memory.", "correct": False,
             "feedback": "That is torch.cuda.empty_cache(), and it is rarely needed."},
        ],
    },
    {
        "question": "A CNN trained on upright Fashion-MNIST photos drops to a fraction "
                    "of its accuracy when they are rotated by 90 degrees. Why?",
        "type": "multiple_choice",
        "answers": [
            {"answer": "Convolution shares weights across positions, not orientations, "
                       "and no rotated clothes were in the training data.",
             "correct": True,
             "feedback": "Right: it learned the patterns it saw, in the poses it saw "
                         "them. Rotated training copies would help."},
            {"answer": "Rotation changes the number of pixels.", "correct": False,
             "feedback": "The image keeps its size; only the corners turn black."},
            {"answer": "The network was trained in mixed precision.", "correct": False,
             "feedback": "Precision changes accuracy by a fraction of a percent, not "
                         "this much."},
        ],
    },
]
