#!/bin/sh
# Refresh the Chinese translations after texts in gui/ changed:
#   1. pyside6-lupdate collects every tr()/translate()/QT_TRANSLATE_NOOP text from
#      the gui/ sources into rnnstudio_zh_CN.ts (new texts: type="unfinished";
#      texts gone from the code: type="vanished", dropped by -no-obsolete);
#   2. translate the unfinished ones (Qt Linguist: pyside6-linguist, or an editor);
#   3. pyside6-lrelease compiles the .ts into the .qm the app loads (commit both).
# Run from anywhere; uses the project's .venv when there is one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="$root/.venv/bin"
[ -x "$bin/pyside6-lupdate" ] || bin=$(dirname "$(command -v pyside6-lupdate)")
cd "$root"
sources=$(find gui -name '*.py' -not -path '*/__pycache__/*' | sort)
# shellcheck disable=SC2086 - one word per source file
"$bin/pyside6-lupdate" -no-obsolete -locations relative $sources -ts gui/i18n/rnnstudio_zh_CN.ts
"$bin/pyside6-lrelease" gui/i18n/rnnstudio_zh_CN.ts -qm gui/i18n/rnnstudio_zh_CN.qm
