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
