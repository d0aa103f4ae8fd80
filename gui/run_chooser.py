"""The model-run chooser of the Generate, Translate and Inspect pages.

Each of those pages has a combo box of the runs it can load (``run_box``) and
the same duties around it: list the runs of its tasks keeping the current
choice (or the one remembered from the last session), select a run that
another page sends, and reload when shown. :class:`RunChooser` does them once;
a page names its tasks and remembered setting and says, in its own words (its
translation context), what an unknown run means, and may label runs its own way.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication


class RunChooser:
    """Mixed into a page (before ``QWidget``) that has ``ctx``, ``run_box``,
    ``_run_chosen()`` (load the chosen run), ``_preload()`` and
    ``_show_model_error(text)``."""

    RUN_TASKS: tuple[str, ...] = ()  # the run tasks the page loads
    RUN_SETTING = ""  # where the last choice is remembered (ctx.recall)

    def _run_label(self, summary) -> str:
        """The text of ``summary``'s entry in the box: its name and step (a page may
        say more)."""
        if not summary.step:
            return summary.name
        return summary.name + QCoreApplication.translate(
            "RunChooser", "  (step {step})").format(step=f"{summary.step:,}")

    def _not_a_run(self, name: str) -> str:
        """The message for a run sent here that the page cannot load."""
        raise NotImplementedError

    def _runs_listed(self, runs: list) -> None:
        """Called with the runs just listed (a page may keep facts about them)."""

    def refresh_runs(self) -> bool:
        """List the workspace's runs of this page's tasks, keeping the current
        choice; True when the choice changed (and its model is being loaded)."""
        current = self.current_run()
        wanted = current or self.ctx.recall(self.RUN_SETTING, "", str)
        runs = [s for s in self.ctx.workspace.list_runs() if s.task in self.RUN_TASKS]
        self._runs_listed(runs)
        self.run_box.blockSignals(True)
        self.run_box.clear()
        for s in runs:
            self.run_box.addItem(self._run_label(s), s.name)
        index = self.run_box.findData(wanted)
        self.run_box.setCurrentIndex(index if index >= 0 else 0 if runs else -1)
        self.run_box.blockSignals(False)
        changed = self.current_run() != current or not runs
        if changed:
            self._run_chosen()
        return changed

    def current_run(self) -> str | None:
        return self.run_box.currentData()

    def open_run(self, name: str) -> None:
        """Select ``name`` (another page sends a run here)."""
        self.refresh_runs()
        index = self.run_box.findData(name)
        if index >= 0:
            self.run_box.setCurrentIndex(index)
        else:
            self._show_model_error(self._not_a_run(name))

    def on_shown(self) -> None:
        """Runs may have been trained, added or removed meanwhile."""
        if not self.refresh_runs():
            self._preload()  # a newer checkpoint loads now; the current one is cached

    def _run_path(self, name: str) -> Path:
        return self.ctx.workspace.runs_dir / name
