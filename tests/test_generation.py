"""Generation: settings, sampling rules, seeds, stop strings, streaming, state carry."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from models.language_model import LanguageModel, LMConfig
from nlp.decoding.fast_inference import prepare_for_generation
from nlp.decoding.generation import (
    PREFILL_CHUNK,
    GenerationConfig,
    _Sampler,
    generate,
    generate_stream,
)
from nlp.errors import CheckpointError, ConfigError, TokenizerError

ALPHABET = "\n abcdefghijklmnopqrstuvwxyz.,"


class CharTok:
    """Stand-in for nlp.data.tokenizers.CharTokenizer: specials 0..3, then one id per char."""

    kind = "char"
    eos_id = 2

    def __init__(self, chars: str = ALPHABET):
        self.chars = sorted(set(chars))
        self.ids = {c: i + 4 for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return 4 + len(self.chars)

    def encode(self, text: str) -> list[int]:
        return [self.ids.get(c, 3) for c in text]

    def decode(self, ids) -> str:
        return "".join("\ufffd" if i == 3 else "" if i < 4 else self.chars[i - 4] for i in ids)


class ByteTok:
    """Stand-in for a byte-fallback subword tokenizer: id = 4 + UTF-8 byte."""

    kind = "subword"
    eos_id = 2
    vocab_size = 4 + 256

    def encode(self, text: str) -> list[int]:
        return [4 + b for b in text.encode("utf-8")]

    def decode(self, ids) -> str:
        return bytes(i - 4 for i in ids if i >= 4).decode("utf-8", errors="replace")


class ScriptedModel(nn.Module):
    """Greedily emits ``script`` (ids, repeating); counts every token it is fed.

    The state is the number of tokens emitted so far, as a (1, B, 1) tensor: if
    generation did not carry it, the script would restart.
    """

    def __init__(self, vocab: int, script: list[int]):
        super().__init__()
        self.vocab, self.script = vocab, script
        self.weight = nn.Parameter(torch.zeros(1))
        self.forward_lengths: list[int] = []
        self.step_calls = 0

    def _logits(self, count: torch.Tensor) -> torch.Tensor:       # count (B,) -> (B, V)
        ids = torch.tensor([self.script[int(c) % len(self.script)] for c in count])
        return torch.nn.functional.one_hot(ids, self.vocab).float() * 10

    def forward(self, idx, state=None, targets=None):
        self.forward_lengths.append(idx.shape[1])
        count = torch.zeros(1, idx.shape[0], 1) if state is None else state[0]
        logits = self._logits(count[0, :, 0])[:, None].expand(-1, idx.shape[1], -1)
        return logits, None, [count]

    def step(self, token_ids, state):
        self.step_calls += 1
        count = state[0] + 1
        return self._logits(count[0, :, 0]), [count]


def _scripted(text: str, tok=None):
    tok = tok or CharTok()
    return ScriptedModel(tok.vocab_size, tok.encode(text)), tok


def _tiny(cell="lstm", seed=0, **kw) -> LanguageModel:
    torch.manual_seed(seed)
    cfg = dict(vocab_size=CharTok().vocab_size, cell=cell, embed=8, hidden=16, layers=2,
               dropout=0.0)
    cfg.update(kw)
    return LanguageModel(LMConfig(**cfg)).eval()


def _valid(text: str, chars: str = ALPHABET) -> bool:
    """Up to 40 characters of the vocabulary (or U+FFFD for UNK); EOS may end it early."""
    return len(text) <= 40 and set(text) <= set(chars) | {"\ufffd"}


def _cfg(**kw) -> GenerationConfig:
    return GenerationConfig(**{"max_tokens": 40, **kw})


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("bad, words", [
    ({"max_tokens": 0}, "at least 1"),
    ({"temperature": -0.1}, "[0.0, 10.0]"),
    ({"top_k": -1}, "at least 0"),
    ({"top_p": 0.0}, "(0, 1]"),
    ({"top_p": 1.5}, "[0.0, 1.0]"),
    ({"repetition_penalty": 0.5}, "[1.0, 10.0]"),
    ({"stop": "\n"}, "list of texts"),
    ({"stop": [""]}, "non-empty"),
    ({"num_samples": 0}, "at least 1"),
    ({"seed": -1}, "at least 0"),
])
def test_bad_settings_name_the_valid_range(bad, words):
    with pytest.raises(ConfigError, match="GenerationConfig") as info:
        GenerationConfig(**bad)
    assert words in str(info.value)


def test_config_from_dict_and_unknown_key():
    cfg = GenerationConfig.from_dict({"stop": ["\n\n"], "seed": 3})
    assert cfg.stop == ("\n\n",) and cfg.to_dict()["stop"] == ["\n\n"]
    with pytest.raises(ConfigError, match="temperatur"):
        GenerationConfig.from_dict({"temprature": 1.0})


# ---------------------------------------------------------------- sampling


def test_seed_reproduces_and_different_seeds_differ():
    model, tok = _tiny(), CharTok()
    a = generate(model, tok, "the ", _cfg(seed=1))
    assert a == generate(model, tok, "the ", _cfg(seed=1))
    assert a != generate(model, tok, "the ", _cfg(seed=2))
    assert _valid(a[0])


def test_seed_leaves_global_rng_alone():
    model = _tiny()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    generate(model, CharTok(), "a", _cfg(seed=5))
    assert torch.equal(torch.rand(3), expected)


def test_temperature_zero_is_argmax_and_matches_top_k_1_and_tiny_top_p():
    model, tok = _tiny(), CharTok()
    greedy = generate(model, tok, "the ", _cfg(temperature=0, seed=None))
    # argmax by hand: feed the prompt, then always the most likely non-special id
    with torch.inference_mode():
        logits, _, state = model(torch.tensor([tok.encode("the ")]))
        logits, out = logits[:, -1], []
        for _ in range(40):
            logits[:, :2] = -float("inf")
            nxt = logits.argmax(-1)
            out.append(int(nxt))
            logits, state = model.step(nxt, state)
    assert greedy[0] == tok.decode(out)
    assert generate(model, tok, "the ", _cfg(top_k=1, seed=7)) == greedy
    assert generate(model, tok, "the ", _cfg(top_p=1e-6, seed=8)) == greedy


def _sampler(batch=1, history=(), **kw):
    cfg = GenerationConfig(**kw)
    gen = torch.Generator().manual_seed(0)
    return _Sampler(cfg, 20, 20, torch.device("cpu"), gen, list(history), batch)


def _logits(batch=1, **values):
    logits = torch.zeros(batch, 20)
    for name, v in values.items():
        logits[:, int(name[1:])] = v
    return logits


def test_top_k_and_top_p_limit_the_choice():
    with torch.inference_mode():
        logits = _logits(500, t10=3.0, t11=2.9, t12=2.8, t0=9.0, t1=9.0)  # PAD, BOS never
        assert set(_sampler(500, top_k=2)(logits).tolist()) == {10, 11}
        # probabilities ~ .36, .33, .30 and ~0 for the rest: 0.5 needs the first two
        assert set(_sampler(500, top_p=0.5)(logits).tolist()) == {10, 11}
        assert set(_sampler(500)(logits).tolist()) > {10, 11, 12}


def test_repetition_penalty_is_ctrl_style_within_the_window():
    with torch.inference_mode():
        logits = _logits(t10=2.0, t11=1.9, t12=-0.5, t13=-0.55)
        assert _sampler(temperature=0)(logits).item() == 10
        # seen: 2.0 / 1.2 = 1.67 < 1.9
        assert _sampler(history=[10], temperature=0, repetition_penalty=1.2)(logits).item() == 11
        # outside a window of 2
        sampler = _sampler(history=[10, 5, 6], temperature=0, repetition_penalty=1.2,
                           repetition_window=2)
        assert sampler(logits).item() == 10
        # negative logits are multiplied: -0.5 * 1.2 = -0.6 < -0.55
        only_neg = _logits(t12=-0.5, t13=-0.55) - 10 * (torch.arange(20) < 12)
        only_neg[:, 14:] = -10
        assert _sampler(history=[12], temperature=0, repetition_penalty=1.2)(only_neg).item() == 13
        # generated tokens count too: greedy picks 10, then 11 once 10 is penalized
        sampler = _sampler(temperature=0, repetition_penalty=1.2)
        assert [sampler(logits).item() for _ in range(2)] == [10, 11]


def test_num_samples_returns_n_texts_from_one_batch():
    outs = generate(_tiny("gru"), CharTok(), "ab", _cfg(num_samples=4, seed=0))
    assert len(outs) == 4 and all(_valid(o) for o in outs)
    assert len(set(outs)) > 1


def test_model_in_training_mode_is_restored():
    model = _tiny()
    model.train()
    generate(model, CharTok(), "a", _cfg(max_tokens=3, seed=0))
    assert model.training


# ---------------------------------------------------------------- prompts and state


def test_prompt_fed_once_then_one_step_per_token():
    model, tok = _scripted("hello world")
    out = generate(model, tok, "abc", _cfg(max_tokens=11, temperature=0))
    assert out == ["hello world"]
    assert model.forward_lengths == [3]
    assert model.step_calls == 10  # every token but the last is fed once


def test_long_prompt_is_fed_in_chunks_once():
    model, tok = _scripted("xy")
    generate(model, tok, "a" * (PREFILL_CHUNK + 5), _cfg(max_tokens=2, temperature=0))
    assert model.forward_lengths == [PREFILL_CHUNK, 5]
    assert model.step_calls == 1


def test_unknown_prompt_characters_become_unk():
    model, tok = _tiny(), CharTok()
    out = generate(model, tok, "Ünïcødé 😀 ABC", _cfg(seed=0))
    assert _valid(out[0])


@pytest.mark.parametrize("chars", [ALPHABET, "abc"])
def test_empty_prompt_starts_from_newline_or_bos(chars):
    tok = CharTok(chars)
    model = _tiny(vocab_size=tok.vocab_size)
    assert _valid(generate(model, tok, "", _cfg(seed=0))[0], chars)
    scripted = ScriptedModel(tok.vocab_size, tok.encode("abc"))
    generate(scripted, tok, "", _cfg(max_tokens=3, temperature=0))
    assert scripted.forward_lengths == [1]


def test_a_model_with_nan_weights_is_reported():
    model = _tiny()
    with torch.no_grad():
        model.decoder.bias.fill_(float("nan"))
    with pytest.raises(CheckpointError, match="earlier checkpoint"):
        generate(model, CharTok(), "a", _cfg())


def test_tokenizer_bigger_than_model_is_an_error():
    with pytest.raises(TokenizerError, match="tokenizer saved with the model"):
        generate(_tiny(vocab_size=10), CharTok(), "a", _cfg())


# ---------------------------------------------------------------- stopping


def test_stop_string_ends_and_is_not_included():
    model, tok = _scripted("one. two. three.")
    assert generate(model, tok, "x", _cfg(temperature=0, stop=[". t"])) == ["one"]
    model, tok = _scripted("one. two. three.")
    assert generate(model, tok, "x", _cfg(temperature=0, stop=["zz", "o."])) == ["one. tw"]


def test_partial_stop_string_is_released_when_it_does_not_match():
    model, tok = _scripted("ab ab abc")
    pieces = list(generate_stream(model, tok, "x", _cfg(temperature=0, stop=["abc"],
                                                        max_tokens=9)))
    assert "".join(pieces) == "ab ab "


def test_eos_ends_a_sample_only_where_the_model_learned_ends():
    tok = CharTok()
    script = tok.encode("hi") + [tok.eos_id] + tok.encode("no")
    model = ScriptedModel(tok.vocab_size, script)
    stream = generate_stream(model, tok, "x", _cfg(temperature=0, end_token=True))
    assert "".join(stream) == "hi" and stream.ended == "eos" and stream.tokens == 3
    # by default EOS is never drawn: its training text had no ends, and an EOS drawn
    # by chance from an undertrained model must not end the sample after a few letters
    stream = generate_stream(model, tok, "x", _cfg(temperature=0, max_tokens=12))
    text = "".join(stream)
    assert text.startswith("hi") and "no" in text and stream.tokens == 12
    assert stream.ended is None


def test_the_stream_says_why_it_ended():
    model, tok = _scripted("one. two.")
    stream = generate_stream(model, tok, "x", _cfg(temperature=0, stop=["."]))
    assert "".join(stream) == "one" and stream.ended == "stop" and stream.tokens == 4
    calls = iter(range(100))
    stream = generate_stream(model, tok, "x", _cfg(temperature=0, max_tokens=50),
                             should_stop=lambda: next(calls) >= 5)
    assert len("".join(stream)) < 50 and stream.ended == "stopped"


def test_should_stop_stops_within_one_token():
    model, tok = _scripted("abcdefghij")
    pieces = []
    stream = generate_stream(model, tok, "x", _cfg(temperature=0),
                             should_stop=lambda: len(pieces) >= 3)
    for piece in stream:
        pieces.append(piece)
    assert "".join(pieces) == "abc"
    assert model.step_calls <= 3


def test_stream_joined_equals_generate():
    model, tok = _tiny(), CharTok()
    cfg = _cfg(seed=11, stop=["zq"], max_tokens=200)
    pieces = list(generate_stream(model, tok, "the ", cfg))
    assert "".join(pieces) == generate(model, tok, "the ", cfg)[0]
    assert len(pieces) > 1


def test_stream_holds_back_partial_utf8():
    tok = ByteTok()
    text = "né 😀 ok"
    model = ScriptedModel(tok.vocab_size, tok.encode(text))
    pieces = list(generate_stream(model, tok, "x", _cfg(temperature=0,
                                                        max_tokens=len(text.encode()))))
    assert "".join(pieces) == text
    assert all("\ufffd" not in p for p in pieces)


# ---------------------------------------------------------------- with the fast path


def test_inference_model_generates_like_the_module():
    model, tok = _tiny(), CharTok()
    fast = prepare_for_generation(model, mode="fp32")
    cfg = _cfg(seed=4, num_samples=3, top_p=0.9, top_k=10, repetition_penalty=1.2)
    assert generate(fast, tok, "the ", cfg) == generate(model, tok, "the ", cfg)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_generation_on_a_gpu_model():
    model, tok = _tiny().cuda(), CharTok()
    cfg = _cfg(seed=3, num_samples=3, top_k=5, top_p=0.9, repetition_penalty=1.3)
    outs = generate(model, tok, "the ", cfg)
    assert outs == generate(model, tok, "the ", cfg) and all(_valid(o) for o in outs)
    assert "".join(generate_stream(model, tok, "", _cfg(seed=1))) == generate(
        model, tok, "", _cfg(seed=1))[0]


# ---------------------------------------------------------------- the generate command


def test_generate_command_stop_reads_escapes_and_ends_at_a_blank_line(tiny_lm_run, monkeypatch,
                                                                     capsys):
    """``--stop "\\n\\n"`` as a shell passes it (backslash, n, backslash, n) ends the
    sample at the first blank line; the model is scripted so the text is known."""
    import nlp.decoding.fast_inference as fast
    import nlp.tasks.lm.task as lm_task
    from nlp.cli.main import main

    def scripted_run(run, which="best"):
        model, tok = _scripted("one line.\nnext line.\n\nafter the blank.\n")
        return model, tok, {}

    monkeypatch.setattr(lm_task, "load_lm", scripted_run)
    monkeypatch.setattr(fast, "prepare_for_generation", lambda model, mode="auto": model)
    argv = ["generate", str(tiny_lm_run.path), "--temperature", "0", "--max-tokens", "60",
            "--prompt", "x"]
    assert main([*argv, "--stop", r"\n\n"]) == 0
    out, err = capsys.readouterr()
    assert out == "one line.\nnext line.\n"  # the blank line is the stop text: left out
    assert "reached a stop text" in err
    assert main([*argv, "--stop", "zz", "--stop", r"xt\tno", "--stop", r".\nn"]) == 0
    assert capsys.readouterr().out == "one line\n"  # several stops: the earliest wins
    assert main([*argv, "--stop", r"\\n"]) == 0  # an escaped backslash is one backslash
    assert "\n\n" in capsys.readouterr().out  # "\n" as text never appears: no stop


def test_unescape_stop():
    from nlp.decoding.text import unescape_stop

    assert unescape_stop(r"\n\n") == "\n\n"
    assert unescape_stop(r"a\tb") == "a\tb"
    assert unescape_stop(r"\\n") == "\\n"  # a backslash, then n
    assert unescape_stop(r"C:\x") == r"C:\x"  # other backslashes stay as typed
    assert unescape_stop("plain") == "plain"


def test_unknown_prompt_characters_are_found_deduplicated_in_order():
    from nlp.data.tokenizers import CharTokenizer, SubwordTokenizer
    from nlp.decoding.text import unknown_characters

    chars = CharTokenizer.train(["hello world\n"])
    assert unknown_characters(chars, "hello world") is None
    assert unknown_characters(chars, "") is None
    found = unknown_characters(chars, "hello 😀 中中 world 😀")
    assert (found.count, found.chars, found.handling) == (4, ("😀", "中"), "unk")
    assert "'😀' (U+1F600), '中' (U+4E2D)" in found.describe()
    assert "unknown token" in found.describe()
    many = unknown_characters(chars, "ABCDEFG")
    assert many.shown() == "'A' (U+0041), 'B' (U+0042), 'C' (U+0043), 'D' (U+0044), " \
                           "'E' (U+0045), …"
    text = "".join(f"Line {i}: the quick brown fox jumps over the lazy dog.\n"
                   for i in range(300))
    subwords = SubwordTokenizer.train([text], vocab_size=60)
    assert unknown_characters(subwords, "the lazy fox") is None
    found = unknown_characters(subwords, "the 😀 fox 中")
    assert (found.count, found.chars, found.handling) == (2, ("😀", "中"), "bytes")
    assert "UTF-8 bytes" in found.describe()
