"""Translation quality with sacreBLEU: BLEU, chrF and TER on detokenized text.

BLEU uses sacreBLEU's default ``13a`` tokenizer, or ``zh`` when the
references are mostly Chinese (detected from their characters) and ``char``
for Japanese kana, Thai and other scripts written without spaces; TER then
turns on its Asian support. The signatures say exactly how each score was
computed, so scores from other tools can be compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.errors import ConfigError

__all__ = ["MTScores", "bleu_tokenizer", "score_translations"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NO_SPACE_SCRIPTS = re.compile(r"[\u3040-\u30ff\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]")


@dataclass(frozen=True)
class MTScores:
    """Corpus-level scores (0-100) and sacreBLEU signatures."""

    bleu: float
    chrf: float
    ter: float
    signatures: dict[str, str]

    def signature(self) -> str:
        """The three signatures on one line."""
        return " ".join(f"{k}:{v}" for k, v in self.signatures.items())


def bleu_tokenizer(references: Sequence[str]) -> str:
    """``zh`` for mostly-Chinese text, ``char`` for kana/Thai/Lao/Burmese/Khmer, else ``13a``."""
    sample = "".join(references[:2000])
    letters = sum(ch.isalpha() for ch in sample) or 1
    if len(_NO_SPACE_SCRIPTS.findall(sample)) / letters > 0.2:
        return "char"
    if len(_HAN.findall(sample)) / letters > 0.3:
        return "zh"
    return "13a"


def score_translations(hypotheses: Sequence[str], references: Sequence[str],
                       tokenize: str | None = None) -> MTScores:
    """Score ``hypotheses`` against one reference each (same order, same count)."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    hyps, refs = list(hypotheses), list(references)
    if len(hyps) != len(refs):
        raise ConfigError(f"there are {len(hyps)} translations but {len(refs)} references; "
                          "the files must have one reference line per source line")
    if not refs:
        raise ConfigError("there is nothing to score: the test set is empty")
    tokenize = tokenize or bleu_tokenizer(refs)
    bleu = BLEU(tokenize=tokenize)
    chrf = CHRF()
    ter = TER(asian_support=tokenize != "13a")
    b = bleu.corpus_score(hyps, [refs])
    c = chrf.corpus_score(hyps, [refs])
    t = ter.corpus_score(hyps, [refs])
    return MTScores(bleu=float(b.score), chrf=float(c.score), ter=float(t.score),
                    signatures={"BLEU": str(bleu.get_signature()),
                                "chrF": str(chrf.get_signature()),
                                "TER": str(ter.get_signature())})
