"""Inspect: gate values equal the fused model's, gate identities hold, text features,
unit ranking, translator beams and attention, JSON, and the ``inspect`` command."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
import torch

from main import main
from models.language_model import LanguageModel, LMConfig
from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.analysis.inspect import (
    FEATURES,
    LMInspection,
    bracket_spans,
    char_features,
    correlations,
    follows,
    inspect_lm,
    inspect_translation,
    load_for_inspection,
    quote_spans,
    rank_units,
    strongest_units,
    text_features,
    value_range,
)
from nlp.data.tokenizers import CharTokenizer, SubwordTokenizer
from nlp.decoding.translator import Translator
from nlp.errors import CheckpointError, ConfigError
from nlp.runs.workspace import Workspace

CORPUS = "".join(f'ANNA {i}:\n"Is it {i} o\'clock?" (she asked). Yes, it is.\n\n'
                 for i in range(30))
SAMPLE = 'ANNA:\n"Is it?" (she asked) Yes, it is.\n'
SOURCE = "one two three four five six seven eight nine ten.\n"
TARGET = "un deux trois quatre cinq six sept huit neuf dix.\n"


@pytest.fixture(scope="module")
def tokenizer() -> CharTokenizer:
    return CharTokenizer.train([CORPUS])


@functools.cache
def tiny_lm(tokenizer, cell: str, sizes=(12, 12), trained: bool = False) -> LanguageModel:
    """A small model with random weights, or after 20 Adam steps on the corpus
    (trained gates saturate and correlate in ways random ones do not). Cached:
    inspecting leaves a model as it found it."""
    torch.manual_seed(0)
    model = LanguageModel(LMConfig(vocab_size=tokenizer.vocab_size, cell=cell, embed=8,
                                   layers=len(sizes), hidden_sizes=sizes, dropout=0.0))
    if trained:
        ids = torch.tensor(tokenizer.encode(CORPUS[:401]))
        x, y = ids[:-1].reshape(8, 50), ids[1:].reshape(8, 50)  # 8 rows: short loops in time
        opt = torch.optim.Adam(model.parameters(), lr=0.02)
        for _ in range(20):
            _, loss, _ = model(x, targets=y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


MODELS = [("lstm", (12, 12), False), ("gru", (12, 12), False), ("lstm", (12, 7), True),
          ("gru", (10, 6), True)]


# -- values against the fused model --------------------------------------------------------

@pytest.mark.parametrize(("cell", "sizes", "trained"), MODELS)
def test_values_equal_the_fused_forward_pass(tokenizer, cell, sizes, trained):
    model = tiny_lm(tokenizer, cell, sizes, trained)
    insp = inspect_lm(model, tokenizer, SAMPLE)
    ids = torch.tensor(tokenizer.encode(SAMPLE))[None]
    outputs = []
    hooks = [rnn.register_forward_hook(lambda _m, _i, out: outputs.append(out))
             for rnn in model.rnns]
    with torch.no_grad():
        logits, _, _ = model(ids)
    for hook in hooks:
        hook.remove()
    first = 0
    for rnn, (seq, state) in zip(model.rnns, outputs, strict=True):
        last = first + rnn.num_layers - 1  # the group's top layer gives its sequence output
        np.testing.assert_allclose(insp.layers[last]["hidden"], seq[0].numpy(), atol=1e-5)
        h, c = state if cell == "lstm" else (state, None)
        for k in range(rnn.num_layers):  # every layer's final state
            np.testing.assert_allclose(insp.layers[first + k]["hidden"][-1], h[k, 0].numpy(),
                                       atol=1e-5)
            if c is not None:
                np.testing.assert_allclose(insp.layers[first + k]["cell"][-1], c[k, 0].numpy(),
                                           atol=1e-5)
        first = last + 1
    log_probs = torch.log_softmax(logits[0], -1)
    bits = -log_probs[:-1].gather(1, ids[0, 1:, None])[:, 0] / math.log(2)
    assert math.isnan(insp.surprisal[0])
    np.testing.assert_allclose(insp.surprisal[1:], bits.numpy(), rtol=1e-4, atol=1e-4)
    assert insp.expected == [tokenizer.decode([i]) for i in log_probs.argmax(-1).tolist()]
    np.testing.assert_allclose(insp.expected_prob, log_probs.exp().max(-1).values.numpy(),
                               atol=1e-5)


@pytest.mark.parametrize(("cell", "sizes", "trained"), MODELS)
def test_gates_obey_their_equations(tokenizer, cell, sizes, trained):
    insp = inspect_lm(tiny_lm(tokenizer, cell, sizes, trained), tokenizer, SAMPLE)
    for layer in insp.layers:
        v = {k: a.astype(np.float64) for k, a in layer.items()}
        previous = np.vstack([np.zeros((1, v["hidden"].shape[1])), v["hidden"][:-1]])
        if cell == "lstm":
            assert insp.gate_names == ("input", "forget", "candidate", "cell", "output", "hidden")
            c_prev = np.vstack([np.zeros((1, v["cell"].shape[1])), v["cell"][:-1]])
            np.testing.assert_allclose(
                v["cell"], v["forget"] * c_prev + v["input"] * v["candidate"], atol=1e-5)
            np.testing.assert_allclose(v["hidden"], v["output"] * np.tanh(v["cell"]), atol=1e-5)
            sigmoid = ("input", "forget", "output")
        else:  # PyTorch's convention (docs/cells.md): z = 1 keeps the old state
            assert insp.gate_names == ("reset", "update", "candidate", "hidden")
            np.testing.assert_allclose(
                v["hidden"], (1 - v["update"]) * v["candidate"] + v["update"] * previous,
                atol=1e-5)
            sigmoid = ("reset", "update")
        for name in sigmoid:
            assert 0 <= v[name].min() and v[name].max() <= 1


def test_pieces_and_spans_of_a_character_model(tokenizer):
    text = "Is ✓\n"  # ✓ is not in the vocabulary: it keeps its place as an unknown token
    insp = inspect_lm(tiny_lm(tokenizer, "lstm"), tokenizer, text)
    assert insp.pieces == list(text) and insp.text == text
    assert insp.spans == [(i, i + 1) for i in range(len(text))]
    assert insp.unknown == 1 and insp.level == "char" and insp.cell == "lstm"


def test_subword_pieces_cover_the_text_byte_pieces_included():
    tok = SubwordTokenizer.train([CORPUS], vocab_size=80)
    model = LanguageModel(LMConfig(vocab_size=tok.vocab_size, embed=8, hidden=8, layers=1,
                                   dropout=0.0))
    text = 'ANNA: "Is it 7?" é🙂 yes'  # é and 🙂 were never seen: byte pieces
    insp = inspect_lm(model, tok, text)
    assert insp.text == text
    assert len(insp.pieces) == len(tok.encode(text)) > len(text) // 4
    covered = "".join(insp.text[a:b] for k, (a, b) in enumerate(insp.spans)
                      if k == 0 or insp.spans[k - 1] != (a, b))
    assert covered == text  # byte pieces of one character share its span
    assert insp.spans[-1][1] == len(text)


def test_long_texts_are_cut_with_a_note_and_empty_ones_refused(tokenizer):
    model = tiny_lm(tokenizer, "gru")
    insp = inspect_lm(model, tokenizer, CORPUS, max_tokens=50)
    assert len(insp.pieces) == 50 and insp.layers[0]["hidden"].shape == (50, 12)
    assert insp.text == CORPUS[:50]
    assert "first 50 of" in insp.note
    for empty in ("", "  \n"):
        with pytest.raises(ConfigError, match="no text to inspect"):
            inspect_lm(model, tokenizer, empty)


def test_bad_gate_or_layer_names_the_choices(tokenizer):
    insp = inspect_lm(tiny_lm(tokenizer, "gru"), tokenizer, SAMPLE)
    with pytest.raises(ConfigError, match="reset, update, candidate, hidden"):
        insp.values("forget")
    with pytest.raises(ConfigError, match="2 layers"):
        insp.values("hidden", 2)


# -- features of the text -----------------------------------------------------------------

def test_quotes_are_balanced_spans_and_apostrophes_are_not_quotes():
    text = 'He said "don\'t" and \'yes\'. It\'s «oui» and “no”, ‘fine’ "open'
    spans = quote_spans(text)
    quoted = [text[a:b + 1] for a, b in spans]
    assert quoted == ['"don\'t"', "'yes'", "«oui»", "“no”", "‘fine’"]
    assert quote_spans("It's Tom's dogs' bone") == []
    stray = 'a " stray mark\n\nthen "a quote" here'  # a blank line ends an open quote
    assert [stray[a:b + 1] for a, b in quote_spans(stray)] == ['"a quote"']
    inside = char_features('a "b" c')["inside quotes"]
    assert inside.tolist() == [0, 0, 1, 1, 0, 0, 0]  # from the opening mark to before the closing


def test_brackets_nest_and_stray_closers_are_ignored():
    text = "a (b [c] d) e) f"
    assert bracket_spans(text) == [(2, 10), (5, 7)]
    assert char_features(text)["inside brackets"].tolist() == [0, 0] + [1] * 8 + [0] * 6


def test_line_position_punctuation_and_character_kinds():
    f = char_features("Ab, 9\ncd.")
    assert f["position in line"].tolist() == [1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert f["after punctuation"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert f["word start"].tolist() == [1, 0, 0, 0, 1, 0, 1, 0, 0]
    assert f["upper case"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert f["whitespace"].tolist() == [0, 0, 0, 1, 0, 1, 0, 0, 0]
    assert f["digit"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert set(f) == set(FEATURES)


def test_token_features_take_states_at_the_last_character_and_kinds_as_shares():
    text = '"Hi" BOB said'
    features = text_features(text, [(0, 3), (3, 4), (4, 8), (8, 13)])
    assert features["inside quotes"].tolist() == [1, 0, 0, 0]  # after '"Hi' inside, after '"' out
    np.testing.assert_allclose(features["upper case"], [1 / 3, 0, 3 / 4, 0])
    np.testing.assert_allclose(features["whitespace"], [0, 0, 1 / 4, 1 / 5])
    assert features["position in line"].tolist() == [3, 4, 8, 13]


# -- ranking units ------------------------------------------------------------------------

def synthetic(text: str, hidden: np.ndarray) -> LMInspection:
    """An inspection of a character text with given hidden values (T, H)."""
    n = len(text)
    return LMInspection(text=text, cell="gru", level="char", pieces=list(text),
                        spans=[(i, i + 1) for i in range(n)], token_ids=[0] * n,
                        layers=({"hidden": hidden.astype(np.float32)},),
                        surprisal=np.zeros(n, np.float32), expected=[""] * n,
                        expected_prob=np.zeros(n, np.float32))


def test_a_planted_unit_ranks_first_with_its_sign():
    text = 'We said "yes" then "no" and left (quietly). "Fine," she said.\n' * 3
    rng = np.random.default_rng(0)
    hidden = rng.normal(0, 0.3, (len(text), 20))
    quotes = char_features(text)["inside quotes"]
    hidden[:, 7] = -0.9 * quotes + rng.normal(0, 0.05, len(text))  # off inside quotes
    hidden[:, 3] = 0.5  # a unit that never changes
    ranking = rank_units(synthetic(text, hidden), "hidden", top=4)
    best = ranking["inside quotes"][0]
    assert (best.feature, best.layer, best.unit) == ("inside quotes", 0, 7)
    assert best.r < -0.95
    assert ranking["digit"] == []  # no digits: nothing to follow
    assert all(s.unit != 3 for units in ranking.values() for s in units)
    for units in ranking.values():  # strongest first
        assert [abs(s.r) for s in units] == sorted((abs(s.r) for s in units), reverse=True)
    assert follows(ranking, 7) == best and follows(ranking, 3) is None
    assert strongest_units(ranking, 3)[0] == best


def test_correlations_of_constant_things_are_zero_not_nan():
    values = np.column_stack([np.arange(5.0), np.full(5, 2.0), -np.arange(5.0)])
    np.testing.assert_allclose(correlations(np.arange(5.0), values), [1, 0, -1])
    assert correlations(np.ones(5), values).tolist() == [0, 0, 0]
    assert correlations(np.ones(1), values[:1]).tolist() == [0, 0, 0]
    features = np.column_stack([np.arange(5.0), np.ones(5), [0, 1, 0, 1, 1.0]])
    np.testing.assert_allclose(correlations(features, values),  # all features at once
                               [correlations(f, values) for f in features.T])
    np.testing.assert_allclose(correlations(features[:, 2], values[:, :1]),
                               np.corrcoef(features[:, 2], values[:, 0])[0, 1])


def test_value_ranges_suit_each_gate():
    assert value_range("forget", np.array([0.2])) == (0.0, 1.0)
    assert value_range("hidden", np.array([0.2])) == (-1.0, 1.0)
    assert value_range("cell", np.array([-3.0, 2.0])) == (-3.0, 3.0)
    assert value_range("surprisal", np.array([np.nan, 0.3, 6.5])) == (0.0, 6.5)


# -- translators --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def translator() -> Translator:
    """A tiny translator after 20 steps on word pairs: its beam then has preferences."""
    from nlp.data.batching import Seq2SeqBatches

    src, tgt = CharTokenizer.train([SOURCE]), CharTokenizer.train([TARGET])
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(src_vocab=src.vocab_size, tgt_vocab=tgt.vocab_size,
                                  embed=8, hidden=8, dropout=0.0))
    words = list(zip(SOURCE.split(), TARGET.split(), strict=True))
    batch = Seq2SeqBatches([src.encode_array(s) for s, _ in words],
                           [tgt.encode_array(t) for _, t in words],
                           max_tokens=None, batch_size=len(words)).make_batch(np.arange(len(words)))
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    for _ in range(20):
        _, loss = model(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return Translator(model.eval(), src, tgt, "cpu")


def test_alternatives_are_sorted_and_attention_rows_sum_to_one(translator):
    insp = inspect_translation(translator, "three four", beam=4, n_best=3)
    (sentence,) = insp.sentences
    assert sentence.source == "three four"
    assert sentence.source_pieces == [*"three four", "</s>"]
    scores = [a.score for a in sentence.alternatives]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True)
    for alt in sentence.alternatives:
        assert alt.attention.shape == (len(alt.pieces), len(sentence.source_pieces))
        np.testing.assert_allclose(alt.attention.sum(axis=1), 1.0, atol=1e-5)
        assert alt.pieces[-1] == "</s>" and alt.log_prob <= 0


def test_the_best_alternative_is_the_translators_output(translator):
    insp = inspect_translation(translator, "one two. nine ten!", beam=4, n_best=3)
    assert [s.source for s in insp.sentences] == ["one two.", "nine ten!"]
    for sentence in insp.sentences:
        normal = translator.translate([sentence.source], beam=4, n_best=3)[0]
        assert sentence.alternatives[0].text == normal.text
        listed: dict[str, float] = {}
        for alt in sentence.alternatives:  # best first: keep the best score of a text
            listed.setdefault(alt.text, alt.score)
        for text, score in normal.n_best:  # the translator merges texts that decode alike
            assert listed[text] == pytest.approx(score, abs=1e-5)


def test_translator_inspection_refuses_empty_text_and_bad_settings(translator):
    with pytest.raises(ConfigError, match="no text to inspect"):
        inspect_translation(translator, " \n ")
    with pytest.raises(ConfigError, match="n_best"):
        inspect_translation(translator, "one", beam=2, n_best=3)


def test_long_source_is_cut_by_sentences_with_a_note(translator):
    text = " ".join(["one two three."] * 10)
    insp = inspect_translation(translator, text, beam=2, n_best=1, max_source_tokens=50)
    assert len(insp.sentences) == 3 and "first 3 sentences" in insp.note


# -- JSON -------------------------------------------------------------------------------------

def test_results_are_json_without_nan(tokenizer, translator):
    lm = inspect_lm(tiny_lm(tokenizer, "lstm"), tokenizer, SAMPLE).to_dict()
    back = json.loads(json.dumps(lm, allow_nan=False))
    assert back["tokens"][0]["surprisal_bits"] is None
    assert len(back["layers"]) == 2 and len(back["layers"][1]["gates"]["forget"]) == len(SAMPLE)
    assert back["tokens"][4]["piece"] == ":" and set(back["features"]) == set(FEATURES)
    mt = inspect_translation(translator, "one two", beam=2, n_best=2).to_dict()
    alt = json.loads(json.dumps(mt, allow_nan=False))["sentences"][0]["alternatives"][0]
    assert len(alt["attention"]) == len(alt["pieces"])


# -- runs and the command -----------------------------------------------------------------

def save_run(workspace: Workspace, name: str, model, tokenizers: dict, task: str):
    run = workspace.create_run(name, {"task": task})
    run.save_checkpoint(3, tags=("last", "best"), keep=1, weights=model.state_dict(),
                        model_config=model.cfg.to_dict(), task=task, tokenizers=tokenizers,
                        train_state=None, info={"step": 3})
    return run


@pytest.fixture
def workspace(tmp_path, tokenizer, translator):
    ws = Workspace(tmp_path / "ws")
    save_run(ws, "lm", tiny_lm(tokenizer, "lstm", trained=True),
             {"main": tokenizer.to_bytes()}, "lm")
    save_run(ws, "mt", translator.model, {"src": translator.src_tok.to_bytes(),
                                          "tgt": translator.tgt_tok.to_bytes()}, "mt")
    ws.create_run("empty", {"task": "lm"})
    return ws


def test_runs_load_as_language_models_or_translators(workspace):
    assert load_for_inspection(workspace.resolve("lm")).kind == "lm"
    loaded = load_for_inspection(workspace.resolve("mt"))
    assert loaded.kind == "mt" and loaded.info["step"] == 3
    workspace.create_run("odd", {"task": "classifier"})
    with pytest.raises(CheckpointError, match="only language models and translators"):
        load_for_inspection(workspace.resolve("odd"))


def test_cli_prints_the_ranking_and_writes_json(workspace, tmp_path, capsys):
    out = tmp_path / "lm.json"
    assert main(["inspect", "lm", "--text", SAMPLE, "--gate", "forget", "--layer", "1",
                 "--out", str(out), "--workspace", str(workspace.root)]) == 0
    printed = capsys.readouterr().out
    assert "layer 1 of 2, forget" in printed and "inside quotes" in printed
    assert "(does not vary in this text)" in printed  # no digits in SAMPLE
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["kind"] == "lm" and data["text"] == SAMPLE
    assert len(data["layers"]) == 2 and len(data["tokens"]) == len(SAMPLE)
    ranked = [r for r in data["rankings"] if r["layer"] == 1 and r["gate"] == "forget"]
    assert [r["feature"] for r in ranked] == list(FEATURES)


def test_cli_draws_pictures(workspace, tmp_path, capsys):
    from PySide6.QtGui import QImage

    for run, extra in (("lm", ["--units", "0", "5"]), ("mt", ["--beam", "3"])):
        out = tmp_path / f"{run}.png"
        assert main(["inspect", run, "--text", "one two", "--out", str(out), *extra,
                     "--workspace", str(workspace.root)]) == 0
        image = QImage(str(out))
        assert image.width() >= 1000 and image.height() > 60
    assert "sentence 1: one two" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "--text", "x"], "no run 'nope'"),
    (["lm", "--text", "  "], "no text to inspect"),
    (["lm"], "--text TEXT or --file FILE"),
    (["empty", "--text", "x"], "no checkpoint"),
    (["lm", "--text", "x", "--out", "a.txt"], ".json"),
    (["lm", "--text", "xy", "--layer", "3"], "--layer must be from 1 to 2"),
    (["lm", "--text", "xy", "--units", "12"], "units are 0 to 11"),
    (["lm", "--text", "xy", "--gate", "update"], "no gate 'update'"),
    (["mt", "--text", "one", "--beam", "2", "--n-best", "3"], "n_best"),
])
def test_cli_errors_exit_1_with_a_message(workspace, capsys, args, message):
    assert main(["inspect", *args, "--workspace", str(workspace.root)]) == 1
    assert message in capsys.readouterr().err


def test_cli_reads_a_file(workspace, tmp_path, capsys):
    path = tmp_path / "t.txt"
    path.write_text("\ufeffBEN:\r\nYes.\r\n", encoding="utf-8")  # BOM and CRLF are normalised
    assert main(["inspect", "lm", "--file", str(path), "--workspace", str(workspace.root)]) == 0
    assert "over 10 characters" in capsys.readouterr().out
