"""Checks for chapter 11, "Seq2seq and attention"
(``notebooks/11_seq2seq_attention.ipynb``).

Expected values come from :mod:`cnnlib.models.seq2seq` and PyTorch, never typed in, and
the feedback never states them. The hints are in the notebook, under each exercise.
"""

import contextlib

import numpy as np
import torch

from cnnlib.checks import Forbidden, Placeholder, close, exercise, forbidding
from cnnlib.models.seq2seq import AdditiveAttention, Seq2Seq, padding_mask

from . import TARGET_VOCAB, Vocab, build_model

#: ch11-attention-by-hand: scores of four input positions (the last is padding), the
#: encoder states there, and which positions are real.
BY_HAND_SCORES = np.array([2.0, 0.0, 1.0, 5.0])
BY_HAND_STATES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [9.0, 9.0]])
BY_HAND_MASK = np.array([True, True, True, False])

#: ch11-attention-params: the sizes of the chapter's attention (GRUs of 48 units, a
#: bidirectional encoder: keys of 96 numbers).
PARAMS_QUERY, PARAMS_KEY, PARAMS_ATTN = 48, 96, 48


@exercise("ch11-attention-by-hand")
def _attention_by_hand(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return (
            False,
            "give a pair (weights, context): 4 weights and a context of 2 numbers.",
        )
    weights, context = (np.asarray(a, dtype=float) for a in answer)
    scores = torch.tensor(BY_HAND_SCORES).masked_fill(
        ~torch.tensor(BY_HAND_MASK), float("-inf")
    )
    expected = torch.softmax(scores, dim=0).numpy()
    if weights.shape != (4,):
        return (
            False,
            "give one weight per input position, padding included (4 numbers).",
        )
    if weights[3] != 0:
        return False, "the padding position must get a weight of exactly 0."
    if not np.isclose(weights.sum(), 1, atol=1e-3):
        return False, "the weights must add up to 1 over the real positions."
    ok, feedback = close(weights, expected, rtol=1e-3, atol=1e-3)
    if not ok:
        return False, "weights: " + feedback
    ok, feedback = close(context, expected @ BY_HAND_STATES, rtol=1e-3, atol=1e-3)
    return (
        (True, "weights and context are right.")
        if ok
        else (False, "context: " + feedback)
    )


@exercise("ch11-attention-params")
def _attention_params(answer):
    layer = AdditiveAttention(PARAMS_QUERY, PARAMS_KEY, PARAMS_ATTN)
    expected = sum(p.numel() for p in layer.parameters())
    if not np.isscalar(answer) and np.size(answer) != 1:
        return False, "give one number, the total."
    if int(answer) == expected - PARAMS_ATTN:
        return (
            False,
            "close: one bias vector is missing (which Linear layers have one?).",
        )
    return close(float(answer), expected)


def _greedy_cases():
    """Small seeded models and random inputs, chosen so that rows write </s> at
    different steps (weights scaled up, the end token's bias raised), one stopping
    before max_len."""
    cases = []
    for seed, eos_bias, attention in ((2, 1.0, False), (3, 1.0, True), (5, 2.0, True)):
        vocab = Vocab("abcdefgh")
        model = build_model(
            vocab, attention=attention, embed_size=8, hidden_size=12, seed=seed
        )
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(4)
            model.decoder.out.bias[Vocab.EOS] += eos_bias
        gen = torch.Generator().manual_seed(seed)
        lengths = torch.randint(1, 9, (6,), generator=gen)
        src = torch.randint(4, len(vocab), (6, int(lengths.max())), generator=gen)
        src = src.masked_fill(~padding_mask(lengths, src.shape[1]), Vocab.PAD)
        cases.append((model, src, lengths, 9))
    return cases


@contextlib.contextmanager
def _no_greedy():
    """``Seq2Seq.greedy`` raises :class:`cnnlib.checks.Forbidden` inside the block."""
    original = Seq2Seq.greedy

    def refuse(*args, **kwargs):
        raise Forbidden(
            "your function called Seq2Seq.greedy (or translate, which uses it): "
            "write the loop yourself with model.encode and model.decoder.step."
        )

    Seq2Seq.greedy = refuse
    try:
        yield
    finally:
        Seq2Seq.greedy = original


@exercise("ch11-greedy")
def _greedy(fn):
    if not callable(fn):
        return False, "pass your function itself (no parentheses)."
    for i, (model, src, lengths, max_len) in enumerate(_greedy_cases()):
        expected, _ = model.greedy(src, lengths, max_len=max_len)
        with _no_greedy(), torch.no_grad():
            got = fn(model, src, lengths, max_len)
        if got is None:
            raise Placeholder
        if not isinstance(got, torch.Tensor) or got.dtype != torch.int64:
            return False, "return an int64 tensor of tokens, shape (N, T)."
        if got.shape != expected.shape:
            return False, (
                f"on test case {i + 1} your tokens have shape {tuple(got.shape)}; "
                f"expected {tuple(expected.shape)}: stop when every row has "
                "written </s>, or after max_len steps."
            )
        ends_right = all(
            TARGET_VOCAB.decode(a) == TARGET_VOCAB.decode(b)
            for a, b in zip(got, expected)
        )
        if not torch.equal(got, expected):
            why = (
                "after a row's </s>, write <pad> (id 0)"
                if ends_right
                else "some tokens differ: feed back the most probable token of "
                "each step"
            )
            return False, f"on test case {i + 1}: {why}."
    return True, "agrees with Seq2Seq.greedy on 3 models, with and without attention."


def _attention_shortcuts():
    """What ch11-causal-attention forbids: PyTorch's ready-made attentions."""
    tf = torch.nn.functional
    return [
        tf.scaled_dot_product_attention,
        tf.multi_head_attention_forward,
        torch.nn.MultiheadAttention.forward,
    ]


@exercise("ch11-causal-attention")
def _causal_attention(fn):
    if not callable(fn):
        return False, "pass your function itself (no parentheses)."
    gen = torch.Generator().manual_seed(11)
    for i, (n, s, d_k, d_v) in enumerate([(1, 4, 3, 2), (2, 7, 5, 5), (3, 1, 4, 6)]):
        q, k, v = (torch.randn(n, s, d, generator=gen) for d in (d_k, d_k, d_v))
        expected = torch.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True
        )
        with forbidding(fn, _attention_shortcuts()):
            got = fn(q, k, v)
        if got is None:
            raise Placeholder
        got = torch.as_tensor(got)
        if got.shape != expected.shape:
            return False, (
                f"on test case {i + 1} your output has shape {tuple(got.shape)}; "
                f"expected {tuple(expected.shape)}."
            )
        if not torch.allclose(got, expected, atol=1e-5):
            first = torch.allclose(got[:, 0], v[:, 0], atol=1e-5)
            why = (
                "the first position may only see itself, so its output is v[:, 0]; "
                "check the mask"
                if not first
                else "check the scaling and the mask"
            )
            return False, f"on test case {i + 1} the values differ: {why}."
    return True, "agrees with scaled_dot_product_attention(is_causal=True) on 3 cases."


#: ch11-masked-softmax: (scores, lengths) cases; the last has a row of length 1.
def _masked_cases():
    gen = torch.Generator().manual_seed(7)
    for n, s, lengths in [(2, 5, [5, 3]), (3, 4, [1, 4, 2]), (1, 6, [6])]:
        yield torch.randn(n, s, generator=gen) * 3, torch.tensor(lengths)


@exercise("ch11-masked-softmax")
def _masked_softmax(fn):
    if not callable(fn):
        return False, "pass your function itself (no parentheses)."
    for i, (scores, lengths) in enumerate(_masked_cases()):
        real = padding_mask(lengths, scores.shape[1])
        expected = torch.softmax(scores.masked_fill(~real, float("-inf")), dim=-1)
        with forbidding(fn, [padding_mask]):
            got = fn(scores.clone(), lengths.clone())
        if got is None:
            raise Placeholder
        got = torch.as_tensor(got)
        where = f"on test case {i + 1} (lengths {lengths.tolist()})"
        if got.shape != expected.shape:
            return False, f"{where} your weights have shape {tuple(got.shape)}; " \
                          f"expected {tuple(expected.shape)}, one weight per position."
        if torch.any(got[~real] != 0):
            return False, f"{where} a padding position has a weight other than exactly 0."
        if not torch.allclose(got.sum(dim=-1), torch.ones(len(lengths)), atol=1e-5):
            return False, f"{where} a row's weights do not add up to 1."
        if not torch.allclose(got, expected, atol=1e-6):
            return False, f"{where} the weights differ: a softmax over the real positions."
    return True, "right on 3 batches: exactly 0 on padding, a softmax over the rest."
