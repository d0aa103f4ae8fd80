"""Generated ids to text, piece by piece: incremental decoding, EOS and stop strings.

A subword piece may hold part of a UTF-8 character (sentencepiece byte
fallback), so :class:`IncrementalDecoder` decodes a short window of recent ids
and holds back text that ends in U+FFFD until it completes. A stop string
ends a sample and is not part of its text; :class:`StopFilter` holds back
text that may be the start of one until it is known not to be.

Two helpers meet a person where they type: :func:`unescape_stop` reads the
``\\n`` a shell passes for "new line" in a stop text, and
:func:`unknown_characters` says which characters of a prompt the model never
saw and what the tokenizer made of them (the command line and the Generate
page both report it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

EOS = 2
UNK = 3
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}
_ESCAPE = re.compile(r"\\([nt\\])")
_BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")


def unescape_stop(text: str) -> str:
    """A stop text as typed: ``\\n`` is a line break, ``\\t`` a tab, ``\\\\`` one
    backslash; any other backslash stays as it is.

    A shell passes ``--stop "\\n\\n"`` as four characters, backslash n backslash
    n, never as line breaks, and a line-edit field cannot hold a line break at all:
    without this no stop text could end a sample at a blank line."""
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text)


@dataclass(frozen=True)
class UnknownCharacters:
    """Characters of a text outside a tokenizer's vocabulary.

    count: how many there are in the text (repeats included).
    chars: the different ones, in the order they first appear.
    handling: ``"unk"`` (each became the unknown token: the model reads them all as
        the same blank) or ``"bytes"`` (a subword tokenizer spelled each as its UTF-8
        bytes, pieces the model has likely rarely or never seen in training).
    """

    count: int
    chars: tuple[str, ...]
    handling: str

    def shown(self, most: int = 5) -> str:
        """The first ``most`` different characters, each with its code point so an
        invisible one can be found: ``'😀' (U+1F600), '中' (U+4E2D)``, and "…" for more."""
        parts = [f"'{c}' (U+{ord(c):04X})" for c in self.chars[:most]]
        return ", ".join(parts) + (", …" if len(self.chars) > most else "")

    def describe(self) -> str:
        """One sentence in English, for the command line."""
        how = ("each became the unknown token, so the model reads them all as the same "
               "blank" if self.handling == "unk" else
               "each was spelled as its UTF-8 bytes, which the model has likely never seen "
               "in training")
        different = len(self.chars)
        return (f"{self.count:,} character{'s' if self.count != 1 else ''} of the prompt "
                f"({different:,} different: {self.shown()}) "
                f"{'are' if self.count != 1 else 'is'} not in the model's vocabulary; {how}.")


def unknown_characters(tokenizer, text: str) -> UnknownCharacters | None:
    """Which characters of ``text`` the tokenizer does not know, or None when it knows all.

    A character tokenizer maps an unknown character to UNK; a subword tokenizer (with
    byte fallback) spells it as byte pieces ``<0xNN>``: each distinct character is
    encoded alone to see which. The tokenizer itself is not changed."""
    if not text:
        return None
    counts = Counter(text)
    if getattr(tokenizer, "kind", None) == "char":
        ids = tokenizer.encode(text)  # one id per character
        unknown = {c for c, i in zip(text, ids, strict=True) if i == UNK}
        handling = "unk"
    else:
        unknown, handling = set(), "bytes"
        piece = getattr(tokenizer, "id_to_piece", None)
        for c in counts:
            ids = tokenizer.encode(c)
            if UNK in ids:
                unknown.add(c)
                handling = "unk"
            elif piece is not None and any(_BYTE_PIECE.fullmatch(piece(i)) for i in ids):
                unknown.add(c)
    if not unknown:
        return None
    chars = tuple(c for c in counts if c in unknown)  # Counter keeps first-seen order
    return UnknownCharacters(sum(counts[c] for c in chars), chars, handling)


class IncrementalDecoder:
    """Ids -> new text, one id at a time.

    For subwords it keeps two offsets into the ids: text is decoded from
    ``prefix`` (the last piece already shown, which keeps word-boundary spaces
    right), and what goes beyond the text of ``ids[prefix:read]`` is new.
    """

    MAX_HELD = 8  # a character is at most 4 byte pieces; past this, show what there is

    def __init__(self, tokenizer, context: list[int]):
        self.tokenizer = tokenizer
        self.char = getattr(tokenizer, "kind", None) == "char"
        self.cache: dict[int, str] = {}
        self.ids = list(context)
        self.prefix, self.read = 0, len(self.ids)

    def push(self, token: int) -> str:
        if self.char:  # one complete character (or "" / U+FFFD for specials) per id
            piece = self.cache.get(token)
            if piece is None:
                piece = self.cache[token] = self.tokenizer.decode([token])
            return piece
        self.ids.append(token)
        return self._new_text(final=False)

    def flush(self) -> str:
        if self.char or self.read == len(self.ids):
            return ""
        return self._new_text(final=True)

    def _new_text(self, final: bool) -> str:
        decode, ids = self.tokenizer.decode, self.ids
        shown = decode(ids[self.prefix:self.read])
        text = decode(ids[self.prefix:])
        incomplete = len(text) <= len(shown) or text.endswith("\ufffd")
        if incomplete and not final and len(ids) - self.read < self.MAX_HELD:
            return ""
        self.prefix, self.read = self.read, len(ids)
        return text[len(shown):]


class StopFilter:
    """Passes text on until a stop string appears; holds back a possible start of one."""

    def __init__(self, stops: tuple[str, ...]):
        self.stops = stops
        self.held = ""
        self.hit = False

    def push(self, text: str) -> str:
        if not self.stops or not text:
            return text
        buf = self.held + text
        found = [i for i in (buf.find(s) for s in self.stops) if i >= 0]
        if found:
            self.hit, self.held = True, ""
            return buf[:min(found)]
        keep = self._partial(buf)
        self.held = buf[len(buf) - keep:] if keep else ""
        return buf[:len(buf) - keep]

    def _partial(self, buf: str) -> int:
        """Length of the longest end of ``buf`` that begins some stop string."""
        best = 0
        for s in self.stops:
            for k in range(min(len(s) - 1, len(buf)), best, -1):
                if buf.endswith(s[:k]):
                    best = k
                    break
        return best

    def flush(self) -> str:
        text, self.held = self.held, ""
        return text


class SampleText:
    """The text of one sample: decoding, EOS and stop strings.

    ``ended`` says why a sample ended before its token budget: ``"eos"`` (the
    model's end-of-text token) or ``"stop"`` (a stop string); None otherwise."""

    def __init__(self, tokenizer, context: list[int], stops: tuple[str, ...]):
        self.detok = IncrementalDecoder(tokenizer, context)
        self.stop = StopFilter(stops)
        self.eos = getattr(tokenizer, "eos_id", EOS)
        self.done = False
        self.ended: str | None = None
        self.tokens = 0

    def push(self, token: int) -> str:
        """The new text ``token`` completes ("" after the sample has ended)."""
        if self.done:
            return ""
        self.tokens += 1
        if token == self.eos:
            self.ended = "eos"
            return self.finish()
        piece = self.stop.push(self.detok.push(token))
        self.done = self.stop.hit
        if self.done:
            self.ended = "stop"
        return piece

    def finish(self) -> str:
        """End the sample: what was held back, unless a stop string cut it."""
        if self.done:
            return ""
        self.done = True
        piece = self.stop.push(self.detok.flush())
        return piece if self.stop.hit else piece + self.stop.flush()
