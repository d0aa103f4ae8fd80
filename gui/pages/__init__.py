"""The window's pages. Each is a QWidget built as ``Page(ctx)`` with a class
attribute ``key`` (used by ``AppContext.open_run``/``show_page``) and ``title``.

Optional methods the window calls when present:
- ``on_shown()``: the page became visible (refresh what may be stale);
- ``open_run(name)``: show this run (from the Runs page's actions);
- ``busy_reason() -> str | None``: why closing now would interrupt work;
- ``shutdown(timeout_s)``: stop background work cleanly before the window closes.
"""
