"""The Inspect page and its two views: a language model's gates (``gates``) and a
translator's beam (``beams``)."""
