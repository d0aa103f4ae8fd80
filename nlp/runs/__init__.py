"""Runs on disk: the workspace (one folder per run), checkpoints with their checks, archives for export and import."""
