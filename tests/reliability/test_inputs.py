"""Huge and odd inputs: a 20 MB corpus in bounded memory, a 1 MB line with no line
break, prompts and translation inputs of 100,000 characters, and text from every
Unicode plane in use (with NUL, BOMs, RTL marks and broken encodings).

Each either works (and round-trips where text should come back unchanged) or
stops with a :class:`~nlp.errors.StudioError` that says what to do; none
crashes, hangs or grows memory with the size of the input.
"""

from __future__ import annotations

import codecs
import threading
import time
import tracemalloc
import unicodedata

import numpy as np
import psutil
import pytest
import torch

from models.language_model import LanguageModel, LMConfig
from models.seq2seq import build_model
from nlp.data.corpus import TextOptions, iter_text
from nlp.data.tokenizers import CharTokenizer, SubwordTokenizer
from nlp.decoding.generation import GenerationConfig, generate
from nlp.decoding.translator import Translator
from nlp.errors import CorpusError, EncodingProblem, StudioError
from nlp.tasks.lm.session import LMDataSpec, new_lm_training
from nlp.tasks.lm.task import prepare_lm_data
from nlp.training.events import FinishedEvent

pytestmark = pytest.mark.reliability

# One sample of each kind of character a corpus or a prompt may hold (all NFC-stable).
PLANES = {
    "latin and CJK (BMP)": "café ñ 中文 한국어",
    "emoji (SMP, plane 1)": "😀🚀👩🏽‍💻",
    "CJK extension B (SIP, plane 2)": "𠀀𠀁𪚥",
    "tags (plane 14)": "\U000E0067\U000E0062\U000E007F",
    "private use (plane 15)": "\U000F0001\U000F8000",
    "private use (plane 16)": "\U00100000\U0010FFFD",
    "right-to-left marks": "\u200fעברית\u202eالعربية\u202c\u200e",
    "a BOM inside the text": "a\ufeffb",
}
EVERY_PLANE = " ".join(PLANES.values())
NUMBERS = "one two three four five six seven eight nine ten hundred and".split()


class PeakRSS:
    """This process's resident memory, sampled on a thread (the peak above the start),
    and with ``trace`` the peak of what Python and numpy allocated meanwhile
    (tracemalloc: exact, free of the allocator's noise)."""

    def __init__(self, trace: bool = False, every_s: float = 0.005):
        self.proc, self.every_s, self.trace = psutil.Process(), every_s, trace
        self.traced_peak = 0
        self.start = self.peak = self.proc.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(self.every_s):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        if self.trace:
            tracemalloc.start()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.trace:
            self.traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def growth(self) -> int:
        return self.peak - self.start


class Clock:
    """Wall-clock and CPU seconds (all of this process's threads) of a block. CPU time
    measures the work whatever else the shared machine runs; wall time catches a hang."""

    def __enter__(self) -> Clock:
        self._start = time.monotonic(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.monotonic() - self._start[0]
        self.cpu = time.process_time() - self._start[1]

    def check(self, cpu_s: float) -> None:
        """At most ``cpu_s`` of work, and no more than ten times that of waiting."""
        assert self.cpu < cpu_s, f"{self.cpu:.1f} s of CPU (wall {self.wall:.1f} s)"
        assert self.wall < 10 * cpu_s + 30, f"{self.wall:.1f} s (CPU {self.cpu:.1f} s)"


def write_repeated(path, block: str, total_bytes: int) -> int:
    """Write ``block`` again and again until the file holds ``total_bytes``; its size."""
    data = block.encode("utf-8")
    with open(path, "wb") as f:
        for _ in range(max(1, total_bytes // len(data))):
            f.write(data)
    return path.stat().st_size


# --- a big corpus ---------------------------------------------------------------------------

def test_a_20_mb_corpus_prepares_in_memory_that_does_not_grow_with_it(tmp_path, tiny):
    block = tiny.sentences(1 << 20, seed=4)
    sizes, peaks = {}, {}
    for mb in (4, 20):  # the first also pays for imports and first-use buffers
        path = tmp_path / f"corpus-{mb}mb.txt"
        sizes[mb] = write_repeated(path, block, mb << 20)
        with PeakRSS(trace=True) as rss:
            data = prepare_lm_data(path, level="char")
        peaks[mb] = rss
        assert data.train_info.n_tokens + data.val_info.n_tokens == sizes[mb]  # ASCII: 1 each
        assert isinstance(data.train, np.memmap)  # the ids stay on disk
    big, small = peaks[20], peaks[4]
    # text is read, counted and encoded a chunk at a time: five times the text, the same peak
    assert big.traced_peak < small.traced_peak + (4 << 20), (big.traced_peak, small.traced_peak)
    assert big.growth < 64 << 20, f"resident memory grew {big.growth / 2**20:.0f} MB"


def test_reading_a_big_corpus_stops_within_a_chunk_when_asked_on_that_thread_only(
        tmp_path, tiny):
    from nlp.cancel import cancel_when
    from nlp.errors import Cancelled

    path = tmp_path / "big.txt"
    size = write_repeated(path, tiny.sentences(1 << 20, seed=9), 5 << 20)
    chunks: list[str] = []
    elsewhere: list[int] = []
    with cancel_when(lambda: len(chunks) >= 2), pytest.raises(Cancelled):
        other = threading.Thread(target=lambda: elsewhere.append(
            sum(map(len, iter_text(path)))))
        other.start()  # another thread reads on, unaffected
        for chunk in iter_text(path):
            chunks.append(chunk)
    other.join()
    assert len(chunks) == 2 and elsewhere == [size]
    assert sum(map(len, iter_text(path))) == size  # outside the block: read whole


# --- one huge line ----------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["char", "subword"])
def test_a_1_mb_line_with_no_line_break_prepares_round_trips_and_trains(
        tmp_path, runs_workspace, tiny, level):
    line = tiny.sentences(1_000_000, seed=5).replace("\n", " ")[:1_000_000]
    path = tmp_path / "one-line.txt"
    path.write_text(line, encoding="utf-8")
    with Clock() as clock:
        trainer, run = new_lm_training(
            runs_workspace, f"line-{level}", LMDataSpec(corpus=str(path), level=level,
                                                        vocab_size=300, val_fraction=0.01),
            tiny.lm, tiny.train(max_steps=3))
        final = trainer.run()
    data = trainer.task.data
    assert data.train_info.n_chars + data.val_info.n_chars == len(line)
    tok = data.tokenizer
    assert tok.decode(np.asarray(data.train)) + tok.decode(np.asarray(data.val)) == line
    assert isinstance(final, FinishedEvent) and final.step == 3, final
    clock.check(cpu_s=30)  # about 4 s (char) and 1.2 s (subword) on an idle machine


# --- 100,000-character prompts and translation inputs ---------------------------------------

@pytest.fixture
def char_model():
    """An untrained character model over the test's words and every plane's characters."""
    torch.manual_seed(0)
    tok = CharTokenizer.train([" ".join(["the cat sat on a mat."] * 3), EVERY_PLANE])
    model = LanguageModel(LMConfig(vocab_size=tok.vocab_size, embed=16, hidden=32, layers=2,
                                   dropout=0.0))
    return model.eval(), tok


@pytest.mark.parametrize("fast", [False, True], ids=["module", "int8 fast path"])
def test_a_100k_character_prompt_is_cut_to_its_end_and_generates_in_bounded_time(
        char_model, fast):
    from nlp.decoding.fast_inference import prepare_for_generation
    from nlp.decoding.generation import MAX_PROMPT_TOKENS

    model, tok = char_model
    runner = prepare_for_generation(model) if fast else model
    prompt = ("the cat sat on a mat. " * 5000)[:100_000]
    cfg = GenerationConfig(max_tokens=50, seed=1)
    with Clock() as clock:
        text = generate(runner, tok, prompt, cfg)[0]
    assert 0 < len(text) <= 50
    clock.check(cpu_s=10)  # about 1 s; 30 s before the prompt was cut
    # one token per character: the model saw exactly the prompt's last characters
    assert generate(runner, tok, prompt[-MAX_PROMPT_TOKENS:], cfg)[0] == text


def test_a_100k_character_prompt_stops_when_asked(char_model):
    from nlp.decoding.generation import generate_stream

    model, tok = char_model
    asked = []

    def should_stop() -> bool:  # asked between chunks of the prompt: stop at the third
        asked.append(1)
        return len(asked) > 2

    with Clock() as clock:
        pieces = list(generate_stream(model, tok, "a" * 100_000,
                                      GenerationConfig(max_tokens=10), should_stop))
    assert pieces == [] and len(asked) == 3
    clock.check(cpu_s=5)


@pytest.fixture(scope="module")
def translator():
    """An untrained translator whose outputs run to their length limit (peaky output
    weights): the slowest a text of this length can be."""
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(NUMBERS, size=rng.integers(2, 9))) + "." for _ in range(300)]
    tok = SubwordTokenizer.train(lines, vocab_size=300, model_type="bpe")
    torch.manual_seed(0)
    model = build_model(dict(src_vocab=tok.vocab_size, tgt_vocab=tok.vocab_size, embed=16,
                             hidden=16, dropout=0.0))
    with torch.no_grad():
        model.decoder.out.weight.mul_(8.0)
    return Translator(model.eval(), tok, tok, torch.device("cpu"))


@pytest.mark.parametrize(("shape", "beam", "attention"), [("sentences", 2, False),
                                                          ("one run-on sentence", 1, True)])
def test_a_100k_character_translation_input_finishes_in_bounded_time_and_memory(
        translator, shape, beam, attention):
    rng = np.random.default_rng(2)
    end = "." if shape == "sentences" else ""
    text = " ".join(" ".join(rng.choice(NUMBERS, size=8)) + end for _ in range(3000))[:100_000]
    with Clock() as clock, PeakRSS() as rss:
        result = translator.translate([text], beam=beam, attention=attention)[0]
    assert result.text and "\n" not in result.text
    assert result.src_tokens.count("</s>") > 100  # split into sentences or pieces
    clock.check(cpu_s=60)  # 3 s and 11 s on an idle machine
    assert rss.growth < 300 << 20, f"peak memory grew {rss.growth / 2**20:.0f} MB"
    assert result.attention.size == 0  # too big to keep (or not asked for): left out


# --- every Unicode plane ------------------------------------------------------------------

def planes_text(tiny) -> str:
    lines = tiny.sentences(3000, seed=6).splitlines()
    for i, sample in enumerate(PLANES.values()):
        lines[i * 3] += " " + sample
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be"])
def test_every_plane_reads_back_exactly_whatever_the_encoding(tmp_path, tiny, encoding):
    text = planes_text(tiny) * 4  # over 8 KB: decoded in several blocks
    path = tmp_path / f"planes-{encoding}.txt"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    assert unicodedata.is_normalized("NFC", text)
    for chunk_chars in (7, 1 << 20):  # tiny blocks split surrogate pairs and UTF-8 sequences
        assert "".join(iter_text(path, chunk_chars=chunk_chars)) == text


@pytest.mark.parametrize("level", ["char", "subword"])
def test_every_plane_round_trips_trains_and_prompts(tmp_path, runs_workspace, tiny, level):
    text = planes_text(tiny)
    path = tmp_path / "planes.txt"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    trainer, run = new_lm_training(runs_workspace, f"planes-{level}",
                                   LMDataSpec(corpus=str(path), level=level, vocab_size=400),
                                   tiny.lm, tiny.train(max_steps=5))
    tok = trainer.task.data.tokenizer
    assert tok.decode(tok.encode(text)) == text
    assert tok.decode(trainer.task.data.train) + tok.decode(trainer.task.data.val) == text
    assert isinstance(trainer.run(), FinishedEvent)
    model = trainer.task.model.eval()
    unseen = "\U0001FAE0\U00020BB7\U000FFFFD"  # in no corpus: UNK or byte pieces
    for prompt in (EVERY_PLANE, unseen, "\x00", "\ufeff", "\u202e" * 50):
        out = generate(model, tok, prompt, GenerationConfig(max_tokens=20, seed=2))[0]
        out.encode("utf-8")  # valid text: no half of a surrogate pair, no broken bytes


def test_a_lone_surrogate_in_a_prompt_is_unknown_or_a_plain_error():
    text = "ab\ud800cd"  # what a broken command-line argument decodes to
    char = CharTokenizer.train(["abcd"])
    assert char.decode(char.encode(text)) == "ab\ufffdcd"
    sub = SubwordTokenizer.train(["abcd abcd abcd"] * 20, vocab_size=270)
    with pytest.raises(StudioError, match="surrogate"):
        sub.encode(text)


def test_every_plane_in_a_translation_input(translator):
    results = translator.translate([EVERY_PLANE, "\x00\ufeff", "\u202e\u200f"], beam=3)
    assert len(results) == 3 and all(isinstance(r.text, str) for r in results)


def test_corpus_statistics_take_every_plane(tmp_path, tiny, capsys):
    from main import main

    path = tmp_path / "planes.txt"
    path.write_text(planes_text(tiny), encoding="utf-8")
    assert main(["corpus", "inspect", str(path)]) == 0
    assert capsys.readouterr().out.strip()


# --- broken bytes ------------------------------------------------------------------------

@pytest.mark.parametrize("where", [10, 20_000])
def test_a_nul_in_a_corpus_is_a_plain_error_wherever_it_is(tmp_path, tiny, where):
    text = tiny.sentences(30_000, seed=7)
    path = tmp_path / "nul.txt"
    path.write_text(text[:where] + "\x00" + text[where:], encoding="utf-8")
    with pytest.raises(CorpusError, match="binary"):
        prepare_lm_data(path)


def test_a_lone_surrogate_in_the_bytes_is_an_encoding_problem_or_replaced(tmp_path, tiny):
    good = tiny.sentences(2000, seed=8).encode("utf-8")
    path = tmp_path / "surrogate.txt"
    path.write_bytes(good + b"bad \xed\xa0\x80 bytes\n" + good)  # U+D800 encoded as UTF-8
    with pytest.raises(EncodingProblem) as problem:
        prepare_lm_data(path)
    assert problem.value.byte_offset == len(good) + 4
    assert "--replace-errors" in str(problem.value)
    reader = iter_text(path, TextOptions(replace_errors=True))
    text = "".join(reader)
    assert reader.replacements >= 1 and "bad \ufffd" in text and "\ud800" not in text
    data = prepare_lm_data(path, options=TextOptions(replace_errors=True))
    assert data.train_info.n_tokens > 0
