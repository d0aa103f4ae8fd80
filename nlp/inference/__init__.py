"""Trained runs put to use: models loaded and cached, generation streamed, texts and
files translated, a model read for inspection. The window's pages run these on their
workers; they need no Qt, so any front end can."""
