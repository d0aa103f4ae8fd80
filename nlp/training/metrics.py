"""Language-model scores that compare across tokenizations.

All losses are mean negative log-likelihoods in nats. A character, a subword
and a word model are compared by normalising the *total* NLL of a text by a
unit they share: characters (bits per character) or whitespace-separated words
(word-level perplexity).
"""

from __future__ import annotations

import math

LN2 = math.log(2.0)
# a cross-entropy above this (nats per token, far above ln(vocab) for any
# vocabulary) means the model has diverged: the tasks' ``loss_limit``
DIVERGED_NATS = 100.0


def perplexity(loss_nats: float) -> float:
    """exp(loss), capped so a diverged model reports inf rather than overflowing."""
    return math.exp(loss_nats) if loss_nats < 700 else math.inf


def bits_per_character(total_nll: float, n_chars: int) -> float:
    return total_nll / max(n_chars, 1) / LN2


def word_perplexity(total_nll: float, n_words: int) -> float:
    """exp(total NLL / number of whitespace-separated words)."""
    return perplexity(total_nll / max(n_words, 1))


def lm_scores(total_nll: float, n_tokens: int, n_chars: int, n_words: int) -> dict:
    """Every score of one evaluation, as the metrics history stores them."""
    loss = total_nll / max(n_tokens, 1)
    return {
        "val_loss": loss,
        "val_ppl": perplexity(loss),
        "val_bpc": bits_per_character(total_nll, n_chars),
        "val_word_ppl": word_perplexity(total_nll, n_words),
    }


# Whether word perplexity means anything for a text. A whitespace-separated word
# averages 5 to 9 characters, its space included, in languages written with spaces
# (English 5.3, German 7, Finnish about 8.5); Chinese or Japanese text, where a
# "word" is a whole clause or line (24 characters in corpora/chinese), and code full
# of long tokens and indentation go far above. There, word perplexity is an
# astronomical number (6e35) that compares nothing, and bits per character is shown.
MAX_CHARS_PER_WORD = 10.0
# Even a model guessing uniformly among a million words does better than this: a
# larger word perplexity (a model barely trained, or text of few spaces) says nothing.
MAX_SHOWN_WORD_PPL = 1e6


def words_are_meaningful(words: float, chars: float) -> bool:
    """True when ``chars`` characters split by whitespace into ``words`` words make
    word-level scores meaningful: a text written with spaces between words."""
    return words > 0 and chars / words <= MAX_CHARS_PER_WORD


def word_ppl_is_meaningful(metrics: dict) -> bool:
    """Whether a metrics row's ``val_word_ppl`` is worth showing. The characters per
    word of the validation text follow from the row itself (both scores normalise
    the same total NLL): ln(word ppl) / (bpc * ln 2) = characters / words; so
    this works for every run, old ones included, without its corpus."""
    ppl, bpc = metrics.get("val_word_ppl"), metrics.get("val_bpc")
    if not isinstance(ppl, (int, float)) or not math.isfinite(ppl) or ppl > MAX_SHOWN_WORD_PPL:
        return False
    if isinstance(bpc, (int, float)) and math.isfinite(bpc) and bpc > 0 and ppl > 1:
        return words_are_meaningful(math.log(ppl), bpc * LN2)
    return True


def shown_metrics(metrics: dict) -> dict:
    """``metrics`` without a word perplexity that means nothing (the stored row is
    unchanged: this is only what is shown)."""
    if "val_word_ppl" in metrics and not word_ppl_is_meaningful(metrics):
        return {k: v for k, v in metrics.items() if k != "val_word_ppl"}
    return metrics


WORDS_NOT_MEANINGFUL = ("word perplexity is not shown: this text is not written as "
                        "space-separated words (Chinese, code), so bits per character "
                        "(bpc) is the score that compares")
