"""Generated ids to text, piece by piece: incremental decoding, EOS and stop strings.

A subword piece may hold part of a UTF-8 character (sentencepiece byte
fallback), so :class:`IncrementalDecoder` decodes a short window of recent ids
and holds back text that ends in U+FFFD until it completes. A stop string
ends a sample and is not part of its text; :class:`StopFilter` holds back
text that may be the start of one until it is known not to be.
"""

from __future__ import annotations

EOS = 2


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
