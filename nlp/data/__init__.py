"""Text in, tensors out: reading corpora and sentence pairs, measuring them, tokenizers, the token store, batching."""
