"""Chapter 11, "Seq2seq and attention": the date task, tokens, training helpers, the
self-attention bridge, figures, the explorer, the exercise checks and the quiz."""

import datetime as dt
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

import cnnlib.chapters.ch11_seq2seq_attention as ch11
from cnnlib.chapters.ch11_seq2seq_attention import checks, figures, quiz
from cnnlib.models import seq2seq
from cnnlib import train
from cnnlib.checks import check

DAY = dt.date(2024, 3, 5)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    with train.one_thread():
        yield


# The task ---------------------------------------------------------------------


def test_human_dates_follow_cldr():
    assert ch11.human_date(DAY, "ko_KR", "long") == "2024년 3월 5일"
    assert ch11.human_date(DAY, "zh_CN", "full") == "2024年3月5日星期二"
    assert ch11.human_date(DAY, "en_US", "full") == "Tuesday, March 5, 2024"
    assert ch11.human_date(DAY, "de_DE", "short") == "05.03.24"
    assert ch11.cldr_pattern("ko_KR", "long") == "y년 MMMM d일"
    assert ch11.weekday(DAY, "ko_KR") == "화요일"
    with pytest.raises(ValueError, match="style"):
        ch11.human_date(DAY, "ko_KR", "tiny")
    with pytest.raises(ValueError, match="locale"):
        ch11.human_date(DAY, "xx_NOPE", "long")
    with pytest.raises(TypeError):
        ch11.human_date("2024-03-05", "ko_KR", "long")


def test_the_patterns_read_back_unambiguously_and_the_dropped_one_does_not():
    years = (1950, 1951, 1999, 2000, 2001, 2012, 2024, 2049)  # both centuries, yy edges
    days = [dt.date(y, 1, 1) + dt.timedelta(days=i) for y in years for i in range(365)]
    assert ch11.collisions(ch11.PATTERNS, days) == {}
    assert len(ch11.PATTERNS) == len(ch11.LOCALES) * len(ch11.STYLES) - len(
        ch11.AMBIGUOUS
    )
    clash = ch11.collisions(ch11.PATTERNS + ch11.AMBIGUOUS, days[:366])
    assert "3/5/50" in clash and len(clash) >= 132


def test_make_dates_is_seeded_and_right():
    texts, isos, which = ch11.make_dates(300, np.random.default_rng(1))
    again = ch11.make_dates(300, np.random.default_rng(1))
    assert (texts, isos, which) == again
    for text, iso, w in zip(texts, isos, which):
        day = dt.date.fromisoformat(iso)
        assert ch11.FIRST <= day <= ch11.LAST
        assert text == ch11.human_date(day, *ch11.PATTERNS[w])
    assert len(set(which)) > 30  # the patterns all occur
    with pytest.raises(ValueError):
        ch11.make_dates(0, np.random.default_rng(0))
    with pytest.raises(ValueError):
        ch11.make_dates(5, np.random.default_rng(0), first=ch11.LAST, last=ch11.FIRST)
    with pytest.raises(ValueError):
        ch11.make_dates(5, np.random.default_rng(0), patterns=[("ko_KR", "huge")])


def test_task_vocab_covers_every_character_the_task_writes():
    vocab = ch11.task_vocab()
    texts, _, _ = ch11.make_dates(3000, np.random.default_rng(2))
    tokens, lengths = vocab.encode(texts)
    assert not tokens.eq(ch11.Vocab.UNK).any()
    assert [vocab.decode(row) for row in tokens] == texts
    assert lengths.tolist() == [len(t) for t in texts]


def test_vocab_encodes_pads_and_decodes():
    vocab = ch11.Vocab("abc")
    assert vocab.tokens[:4] == ["<pad>", "<s>", "</s>", "<unk>"] and len(vocab) == 7
    tokens, lengths = vocab.encode(["ab", "c", "abz"], eos=True)
    assert tokens.dtype == torch.int64 and tokens.shape == (3, 4)
    assert lengths.tolist() == [3, 2, 4]
    assert tokens[1].tolist() == [6, 2, 0, 0] and tokens[2, 2] == vocab.UNK
    assert vocab.decode(tokens[0]) == "ab" and vocab.decode([4, 0, 5, 2, 6]) == "ab"
    with pytest.raises(ValueError):
        vocab.encode([])
    with pytest.raises(ValueError):
        vocab.encode("abc")
    with pytest.raises(ValueError):
        vocab.encode(["a", ""])
    with pytest.raises(ValueError):
        ch11.Vocab(["ab"])


def test_digit_strings():
    strings = ch11.digit_strings(500, np.random.default_rng(0), 3, 5)
    assert {len(s) for s in strings} == {3, 4, 5} and all(s.isdigit() for s in strings)
    with pytest.raises(ValueError):
        ch11.digit_strings(5, np.random.default_rng(0), 6, 5)


def test_exact_match_and_accuracy_by_length():
    right = ch11.exact_match(["a", "b", "c", "d"], ["a", "x", "c", "d"])
    assert right.tolist() == [True, False, True, True]
    acc, counts = ch11.accuracy_by_length(right, [1, 2, 5, 6], [0, 3, 5, 7, 9])
    assert counts.tolist() == [2, 0, 2, 0]
    assert acc[0] == 0.5 and np.isnan(acc[1]) and acc[2] == 1.0
    with pytest.raises(ValueError):
        ch11.exact_match(["a"], [])
    with pytest.raises(ValueError):
        ch11.accuracy_by_length(right, [1, 2, 5, 6], [3, 1])


def test_year_attention():
    texts, isos = ["5 March 2024", "5/3/24"], ["2024-03-05", "2024-03-05"]
    weights = np.zeros((2, 11, 12))
    weights[0, :4, 8:12] = np.eye(4)  # each year digit on its own
    mass = ch11.year_attention(weights, texts, isos, spread=0)
    assert mass[0] == 1.0 and np.isnan(mass[1])
    weights[0, :4] = 0
    weights[0, :4, 7] = 1  # one to the left: only with spread
    assert ch11.year_attention(weights, texts, isos, spread=0)[0] == 0
    assert ch11.year_attention(weights, texts, isos, spread=1)[0] == 1


# Models and training ------------------------------------------------------------


def test_build_model_gives_both_models_the_same_start():
    vocab = ch11.task_vocab()
    a = dict(ch11.build_model(vocab, attention=True).named_parameters())
    b = dict(ch11.build_model(vocab, attention=False).named_parameters())
    shared = set(a) & set(b)
    assert {n for n in a if n not in shared} == {n for n in a if "attention" in n}
    assert all(torch.equal(a[n], b[n]) for n in shared)


def test_train_lowers_the_loss_and_translate_decodes():
    vocab = ch11.Vocab("0123456789")
    strings = ch11.digit_strings(400, np.random.default_rng(0), 2, 4)
    src, lengths = vocab.encode(strings)
    target, _ = vocab.encode(strings, eos=True)
    model = ch11.build_model(vocab, hidden_size=16, embed_size=8, tgt_vocab=vocab)
    losses = ch11.train(model, src, lengths, target, steps=60, batch_size=32, lr=1e-2)
    assert len(losses) == 60 and np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    outputs, weights = ch11.translate(model, strings[:5], vocab, vocab, max_len=6)
    assert len(outputs) == 5 and all(isinstance(o, str) for o in outputs)
    assert weights.shape[0] == 5 and weights.shape[2] == max(
        len(s) for s in strings[:5]
    )
    with pytest.raises(ValueError):
        ch11.train(model, src, lengths[:3], target)
    with pytest.raises(ValueError):
        ch11.train(model, src, lengths, target, steps=0)


def test_self_attention_equals_torch():
    torch.manual_seed(0)
    x = torch.randn(3, 6, 8)
    w_q, w_k, w_v = torch.randn(8, 4), torch.randn(8, 4), torch.randn(8, 5)
    mask = torch.tensor([[True] * 6, [True] * 3 + [False] * 3, [True] + [False] * 5])
    tf = torch.nn.functional
    for m in (None, mask):
        out, weights = ch11.self_attention(x, w_q, w_k, w_v, m)
        expected = tf.scaled_dot_product_attention(
            x @ w_q, x @ w_k, x @ w_v, attn_mask=None if m is None else m[:, None, :]
        )
        assert out.shape == (3, 6, 5) and torch.allclose(out, expected, atol=1e-5)
        assert torch.allclose(weights.sum(dim=-1), torch.ones(3, 6))
    assert weights.masked_select(~mask[:, None, :]).eq(0).all()


def test_transformer_parts_add_up():
    layer = torch.nn.TransformerEncoderLayer(32, 4, 64, batch_first=True)
    parts = ch11.transformer_parts(layer)
    assert sum(parts.values()) == sum(p.numel() for p in layer.parameters())
    assert (
        parts["layer norms"] == 4 * 32
        and parts["feed-forward"] == 2 * 32 * 64 + 64 + 32
    )


# Figures and the explorer -------------------------------------------------------


def test_labels_and_glyphs():
    assert figures.char_label(" ") == "\u2423" and figures.char_label("a") == "a"
    assert figures.char_label("\U0010fffd") == "U+10FFFD"  # no font draws it
    assert figures.safe_text("a\U0010fffdb") == "a?b"
    coverage, baseline = figures.glyphs("a", 100)
    assert coverage.dtype == np.uint8 and coverage.max() > 0
    assert 0 < baseline <= coverage.shape[0]
    wide, _ = figures.line_glyphs("a  b", 100)
    narrow, _ = figures.line_glyphs("ab", 100)
    assert wide.shape[1] > narrow.shape[1]  # spaces keep their width
    strip = figures.label_strip(["2", "0", "", "U+B144"], (40, 200), 100)
    assert strip.shape == (40, 200, 4) and strip[..., 3].max() > 0
    assert strip[:, 100:150, 3].max() == 0  # the empty label


def test_figures_draw():
    edges = [2, 4, 6]
    made = [
        figures.encoder_decoder_figure(),
        figures.loss_figure({"a": [2.0, 1.0, 0.5], "b": [2.0, 1.5, 1.2]}),
        figures.bottleneck_figure(
            [("t", edges, {"a": [1.0, 0.5], "b": [0.9, 0.1]}, [10, 20])]
        ),
        figures.attention_maps_figure(
            [("5/3/24", "2024-03-05", np.full((11, 6), 1 / 6), "es_ES short")]
        ),
        figures.transformer_parts_figure(
            {"self-attention": 10, "feed-forward": 20}, "t"
        ),
    ]
    for fig in made:
        assert isinstance(fig, plt.Figure)
        fig.canvas.draw()
        plt.close(fig)


def test_explorer_handles_every_input():
    explorer = figures.make_attention_explorer()
    values = explorer.values
    for change in (
        {"locale": "zh_CN", "style": "short"},
        {"month": 2, "day": 31},
        {"year": 1800, "month": 13},
        {"text": "x" * 100},
        {"text": "  5 mars \U0001f600\U0010fffd 1999 "},
        {"locale": "nope", "style": "?"},
    ):
        values.update(change)
        frame = Image.open(io.BytesIO(explorer.refresh(values)))
        assert frame.size == explorer.fig.canvas.get_width_height()
    vocab = ch11.task_vocab()
    plain = figures.make_attention_explorer(
        ch11.build_model(vocab, attention=False), vocab
    )
    assert plain.refresh()[:2] == b"\xff\xd8"  # no weights: still a frame


def test_web_explorer_writes_every_language_and_style(tmp_path):
    explorer = figures.make_attention_explorer()
    page = figures.attention_web_explorer(explorer, folder=tmp_path).data
    frames = list((tmp_path / "ch11-attention").glob("*.jpg"))
    assert len(frames) == len(ch11.LOCALES) * len(ch11.STYLES)
    assert "ko_KR" in page and "full" in page


# Exercises and quiz --------------------------------------------------------------


def test_checks_accept_the_solutions_and_refuse_wrong_answers():
    e = np.exp([2.0, 0.0, 1.0])
    weights = np.append(e / e.sum(), 0.0)
    context = weights @ checks.BY_HAND_STATES
    assert check("ch11-attention-by-hand", (weights, context)) is True
    unmasked = np.exp(checks.BY_HAND_SCORES) / np.exp(checks.BY_HAND_SCORES).sum()
    assert (
        check("ch11-attention-by-hand", (unmasked, unmasked @ checks.BY_HAND_STATES))
        is False
    )
    assert check("ch11-attention-by-hand", (weights, context + 0.1)) is False
    assert check("ch11-attention-by-hand", ...) is None
    assert check("ch11-attention-params", 48 * 48 + 96 * 48 + 48 + 48) is True
    assert check("ch11-attention-params", 48 * 48 + 96 * 48 + 48) is False

    def greedy_decode(model, src, lengths, max_len):
        state, memory = model.encode(src, lengths)
        token = torch.full((src.shape[0],), model.sos_id)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        tokens = []
        for _ in range(max_len):
            logits, state, _ = model.decoder.step(token, state, memory)
            token = logits.argmax(dim=-1).masked_fill(done, model.pad_id)
            tokens.append(token)
            done = done | (token == model.eos_id)
            if done.all():
                break
        return torch.stack(tokens, dim=1)

    def no_stop(model, src, lengths, max_len):  # never stops early, never pads
        state, memory = model.encode(src, lengths)
        token, tokens = torch.full((src.shape[0],), model.sos_id), []
        for _ in range(max_len):
            logits, state, _ = model.decoder.step(token, state, memory)
            token = logits.argmax(dim=-1)
            tokens.append(token)
        return torch.stack(tokens, dim=1)

    assert check("ch11-greedy", greedy_decode) is True
    assert check("ch11-greedy", no_stop) is False
    assert check("ch11-greedy", lambda m, s, n, t: m.greedy(s, n, t)[0]) is False

    def causal(q, k, v):
        scores = q @ k.transpose(-2, -1) / np.sqrt(k.shape[-1])
        later = torch.triu(torch.ones(q.shape[1], q.shape[1], dtype=torch.bool), 1)
        return torch.softmax(scores.masked_fill(later, float("-inf")), dim=-1) @ v

    def shortcut(q, k, v):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)

    def not_causal(q, k, v):
        return torch.softmax(q @ k.transpose(-2, -1) / np.sqrt(k.shape[-1]), dim=-1) @ v

    assert check("ch11-causal-attention", causal) is True
    assert check("ch11-causal-attention", shortcut) is False
    assert check("ch11-causal-attention", not_causal) is False
    assert torch.nn.functional.scaled_dot_product_attention is not None  # restored


def test_masked_softmax_check_wants_exact_zeros_and_its_own_mask():
    def honest(scores, lengths):
        real = torch.arange(scores.shape[1])[None, :] < lengths[:, None]
        return torch.softmax(scores.masked_fill(~real, float("-inf")), dim=-1)

    def library_mask(scores, lengths):
        real = seq2seq.padding_mask(lengths, scores.shape[1])
        return torch.softmax(scores.masked_fill(~real, float("-inf")), dim=-1)

    def unmasked(scores, lengths):
        return torch.softmax(scores, dim=-1)

    def renormalised_late(scores, lengths):  # zeros padding after the softmax: wrong sums
        real = torch.arange(scores.shape[1])[None, :] < lengths[:, None]
        return torch.softmax(scores, dim=-1) * real

    assert check("ch11-masked-softmax", honest) is True
    for wrong in (library_mask, unmasked, renormalised_late):
        assert check("ch11-masked-softmax", wrong) is False, wrong.__name__
    assert check("ch11-masked-softmax", lambda s, n: None) is None      # placeholder
    assert seq2seq.padding_mask(torch.tensor([1]), 2).tolist() == [[True, False]]  # restored


def test_quiz_numbers_are_computed():
    assert quiz._STEPS == 11 and quiz._SCORES == 900
    assert 4 <= len(quiz.QUIZ) <= 6
