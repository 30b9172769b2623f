"""cnnlib.models.seq2seq: shapes, padding, attention weights, teacher forcing, greedy
decoding, and that each model overfits one small batch."""

import math

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from cnnlib import train
from cnnlib.models.seq2seq import (
    AdditiveAttention,
    Decoder,
    Encoder,
    Seq2Seq,
    padding_mask,
    reverse_padded,
)

PAD, SOS, EOS = 0, 1, 2


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small sequential models run fastest on one thread (and far slower on a busy CPU
    with two)."""
    with train.one_thread():
        yield


def batch(n=5, size=7, vocab=20, seed=0, shortest=1):
    """Random tokens ``(n, size)`` padded with 0 after random lengths, the longest =
    size."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(shortest, size + 1, (n,), generator=gen)
    lengths[0] = size
    src = torch.randint(3, vocab, (n, size), generator=gen)
    return src.masked_fill(~padding_mask(lengths, size), PAD), lengths


def model(attention=True, vocab=20, out_vocab=9, hidden=12, bidirectional=True, seed=0):
    torch.manual_seed(seed)
    encoder = Encoder(vocab, 8, hidden, bidirectional)
    decoder = Decoder(out_vocab, encoder.output_size, 8, hidden, attention=attention)
    return Seq2Seq(encoder, decoder, SOS, EOS, PAD)


def test_padding_mask_and_reverse_padded():
    mask = padding_mask(torch.tensor([3, 1]), 4)
    assert mask.tolist() == [[True, True, True, False], [True, False, False, False]]
    x = torch.tensor([[1, 2, 3, 0], [5, 0, 0, 0]])[..., None].float()
    rev = reverse_padded(x, torch.tensor([3, 1]))
    assert rev[..., 0].tolist() == [[3, 2, 1, 0], [5, 0, 0, 0]]
    assert torch.equal(reverse_padded(rev, torch.tensor([3, 1])), x)  # an involution


@pytest.mark.parametrize("bidirectional", [True, False])
def test_encoder_equals_torch_gru_on_packed_sequences(bidirectional):
    torch.manual_seed(0)
    enc = Encoder(20, 8, 5, bidirectional)
    ref = torch.nn.GRU(8, 5, batch_first=True, bidirectional=bidirectional)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ref, f"{name}_l0").copy_(getattr(enc.rnn, f"{name}_l0"))
            if bidirectional:
                getattr(ref, f"{name}_l0_reverse").copy_(
                    getattr(enc.rnn_reverse, f"{name}_l0")
                )
    src, lengths = batch()
    states, summary = enc(src, lengths)
    packed = pack_padded_sequence(
        enc.embed(src), lengths, batch_first=True, enforce_sorted=False
    )
    out, final = ref(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
    assert states.shape == (5, 7, enc.output_size) == out.shape
    assert torch.allclose(states, out, atol=1e-6)
    assert torch.allclose(summary, torch.cat(list(final), dim=-1), atol=1e-6)


def test_encoder_ignores_padding():
    enc = Encoder(20, 8, 6)
    src, lengths = batch()
    states, summary = enc(src, lengths)
    assert states.masked_select(~padding_mask(lengths, 7)[..., None]).eq(0).all()
    wider = torch.cat([src, torch.full((5, 4), PAD)], dim=1)  # more padding, same rows
    junk = wider.clone()
    junk[:, 7:] = 5  # or junk after the end
    for other in (wider, junk):
        s2, m2 = enc(other, lengths)
        assert torch.allclose(s2[:, :7], states, atol=1e-6) and torch.allclose(
            m2, summary, atol=1e-6
        )


def test_encoder_refuses_bad_input():
    enc = Encoder(20, 8, 6)
    src, lengths = batch()
    with pytest.raises(TypeError):
        enc(src.float(), lengths)
    with pytest.raises(TypeError):
        enc(src[0], lengths)
    with pytest.raises(ValueError, match="lengths"):
        enc(src, lengths.clamp(max=0))
    with pytest.raises(ValueError, match="lengths"):
        enc(src, lengths + 1)
    with pytest.raises(ValueError):
        enc(src, lengths[:3])
    with pytest.raises(ValueError):
        Encoder(0, 8, 6)
    with pytest.raises(TypeError):
        Encoder(20, 8.0, 6)


def manual_attention(att, query, keys, mask):
    scores = torch.stack(
        [
            att.v(torch.tanh(att.W_q(query) + att.W_k(keys[:, j])))[:, 0]
            for j in range(keys.shape[1])
        ],
        dim=1,
    )
    scores = scores.masked_fill(~mask, -math.inf)
    weights = scores.exp() / scores.exp().sum(dim=1, keepdim=True)
    return (weights[..., None] * keys).sum(dim=1), weights


def test_attention_weights_sum_to_one_and_are_zero_on_padding():
    torch.manual_seed(0)
    att = AdditiveAttention(6, 10, 7)
    keys, query = torch.randn(4, 9, 10), torch.randn(4, 6)
    lengths = torch.tensor([9, 4, 1, 6])
    mask = padding_mask(lengths, 9)
    context, weights = att(query, keys, mask)
    assert context.shape == (4, 10) and weights.shape == (4, 9)
    assert torch.allclose(weights.sum(dim=1), torch.ones(4))
    assert (
        weights.masked_select(~mask).eq(0).all()
        and (weights.masked_select(mask) > 0).all()
    )
    assert torch.equal(weights[2], torch.tensor([1.0] + [0.0] * 8))  # one real position
    expected_context, expected_weights = manual_attention(att, query, keys, mask)
    assert torch.allclose(weights, expected_weights, atol=1e-6)
    assert torch.allclose(context, expected_context, atol=1e-6)
    again, _ = att(query, keys, mask, projected_keys=att.project_keys(keys))
    assert torch.allclose(again, context)
    junk = keys.masked_fill(~mask[..., None], 1e6)  # padding never counts
    assert torch.allclose(att(query, junk, mask)[0], context, atol=1e-5)


def test_attention_gradients_match_finite_differences():
    torch.manual_seed(1)
    att = AdditiveAttention(3, 4, 5).double()
    keys = torch.randn(2, 5, 4, dtype=torch.float64, requires_grad=True)
    query = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    mask = padding_mask(torch.tensor([5, 2]), 5)
    assert torch.autograd.gradcheck(lambda q, k: att(q, k, mask)[0], (query, keys))


def test_attention_refuses_bad_masks_and_shapes():
    att = AdditiveAttention(6, 10, 7)
    keys, query = torch.randn(2, 3, 10), torch.randn(2, 6)
    with pytest.raises(ValueError, match="no real position"):
        att(query, keys, torch.tensor([[True, False, False], [False, False, False]]))
    with pytest.raises(ValueError, match="mask"):
        att(query, keys, torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask"):
        att(query, keys, torch.ones(2, 3))
    with pytest.raises(ValueError):
        att(query[:1], keys)


@pytest.mark.parametrize("attention", [True, False])
def test_decoder_forward_equals_its_steps(attention):
    m = model(attention)
    src, lengths = batch()
    target = torch.randint(3, 9, (5, 6))
    logits, weights = m(src, lengths, target)
    assert logits.shape == (5, 6, 9)
    assert (weights is None) != attention
    state, memory = m.encode(src, lengths)
    inputs = torch.cat(
        [torch.full((5, 1), SOS), target[:, :-1]], dim=1
    )  # teacher forcing
    for t in range(6):
        step_logits, state, w = m.decoder.step(inputs[:, t], state, memory)
        assert torch.allclose(step_logits, logits[:, t], atol=1e-6)
        if attention:
            assert torch.allclose(w, weights[:, t], atol=1e-6)
            assert weights[:, t].masked_select(~padding_mask(lengths, 7)).eq(0).all()


def test_seq2seq_loss_starts_near_uniform_and_ignores_padding():
    m = model()
    src, lengths = batch(n=64, seed=3)
    target = torch.randint(3, 9, (64, 5))
    loss = m.loss(src, lengths, target).item()
    assert abs(loss - math.log(9)) < 0.3
    padded = torch.cat([target, torch.full((64, 3), PAD)], dim=1)
    logits, _ = m(src, lengths, padded)
    assert torch.allclose(
        m.loss(src, lengths, padded),
        torch.nn.functional.cross_entropy(logits[:, :5].transpose(1, 2), target),
        atol=1e-6,
    )


def test_greedy_stops_pads_and_agrees_with_teacher_forcing():
    m = model()
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(4)  # varied outputs from an untrained model
        m.decoder.out.bias[EOS] += 2.0  # and ends at different steps
    src, lengths = batch(n=8, seed=5)
    tokens, weights = m.greedy(src, lengths, max_len=9)
    ended = (tokens == EOS).cumsum(dim=1)
    after = (ended - (tokens == EOS).long()) > 0  # strictly after a row's </s>
    assert after.any() and tokens[after].eq(PAD).all()
    assert weights.shape == tokens.shape + (7,)
    assert weights[after].eq(0).all()
    assert torch.allclose(weights[~after].sum(dim=-1), torch.ones(int((~after).sum())))
    if (tokens == EOS).any(dim=1).all():
        assert tokens.shape[1] < 9  # stopped early
    logits, _ = m(src, lengths, tokens)  # fed its own outputs back
    assert torch.equal(logits.argmax(dim=-1)[~after], tokens[~after])
    with pytest.raises(ValueError):
        m.greedy(src, lengths, max_len=0)


def test_seq2seq_refuses_mismatched_halves():
    enc = Encoder(20, 8, 6)
    with pytest.raises(ValueError, match="context_size"):
        Seq2Seq(enc, Decoder(9, 6, 8, 6), SOS, EOS)
    dec = Decoder(9, 12, 8, 6)
    with pytest.raises(ValueError):
        dec.start(
            torch.zeros(2, 3, 6), torch.zeros(2, 6), torch.ones(2, 3, dtype=torch.bool)
        )


@pytest.mark.parametrize("attention", [True, False])
def test_each_model_overfits_one_small_batch(attention):
    """Reverse 8 short sequences: both models must learn them exactly."""
    torch.manual_seed(0)
    m = model(attention, vocab=12, out_vocab=12, hidden=32)
    src, lengths = batch(n=8, size=6, vocab=12, seed=7, shortest=2)
    target = torch.stack(
        [
            torch.cat(
                [
                    src[i, : lengths[i]].flip(0),
                    torch.tensor([EOS]),
                    torch.full((6 - int(lengths[i]),), PAD),
                ]
            )
            for i in range(8)
        ]
    )
    optimizer = torch.optim.Adam(m.parameters(), lr=1e-2)
    first = None
    for _ in range(200):
        loss = m.loss(src, lengths, target)
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05 < first
    tokens, _ = m.greedy(src, lengths, max_len=7)
    assert torch.equal(tokens, target[:, : tokens.shape[1]])
