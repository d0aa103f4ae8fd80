"""The three tasks, each with the same shape: a data spec, a task (model + batches + scores), and new/resume/load sessions built on :mod:`nlp.tasks.session`."""
