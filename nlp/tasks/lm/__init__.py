"""Language models: characters or subwords in, the next token out."""
