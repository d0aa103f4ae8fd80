"""Encoding detection measured: charset-normalizer against chardet on real text.

Makes samples from real text (Chinese from /work/shared/corpora cmn-eng and
zh-poetry, English and French from eng-fra; Japanese and Korean are short
texts written here, as the shared corpora hold none), encodes each in a legacy
or Unicode encoding, lets both libraries detect it, and prints JSON: per sample
and library the detected encoding, its confidence, whether decoding with it
gives back the original text, and the time taken. A third column is what RNN
Studio does with the chosen library (``nlp.data.files.detect_head``: BOM and
UTF-8 first, then chardet, with legacy names widened to their supersets).

Run: ``.venv/bin/python bench/encodings.py [--bytes N]`` (N: sample size, 4096).
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import json
import platform
import sys
import time
from pathlib import Path

import chardet
import charset_normalizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
from nlp.data.files import detect_head  # noqa: E402 - after the path is set

CORPORA = Path("/work/shared/corpora")

JAPANESE = (
    "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
    "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"
    "今日は朝から雨が降っていたので、私は家で本を読みながら静かに過ごしました。"
    "駅前の喫茶店で友達と会って、来週の旅行の計画について話し合いました。\n"
)
KOREAN = (
    "오늘은 날씨가 정말 좋아서 친구들과 함께 공원에 산책을 갔습니다. "
    "우리는 점심으로 김밥과 떡볶이를 먹고 오후에는 도서관에서 책을 읽었습니다. "
    "다음 주에는 가족과 함께 바다로 여행을 떠날 계획입니다. "
    "한국어는 배우기 어렵지만 아주 재미있는 언어입니다.\n"
)


def _column(lines: list[str], index: int) -> list[str]:
    return [line.split("\t")[index] for line in lines if line.count("\t") >= index]


def _lines_encodable(lines: list[str], encoding: str, size: int) -> str:
    """Lines that the encoding can hold, joined, until about ``size`` bytes."""
    out, total = [], 0
    for line in lines:
        try:
            total += len((line + "\n").encode(encoding))
        except UnicodeEncodeError:
            continue
        out.append(line + "\n")
        if total >= size:
            break
    return "".join(out)


def samples(size: int) -> list[tuple[str, str, str]]:
    """``(name, encoding, text)`` for each sample."""
    cmn = (CORPORA / "cmn-eng/cmn.txt").read_text("utf-8").splitlines()
    poetry = (CORPORA / "zh-poetry/poetry.txt").read_text("utf-8").splitlines()
    with gzip.open(CORPORA / "eng-fra/eng-fra.txt.gz", "rt", encoding="utf-8") as fh:
        eng_fra = [next(fh).rstrip("\n") for _ in range(40000)][20000:]
    chinese = _column(cmn, 1)[5000:]
    french = [line for line in _column(eng_fra, 1) if any(c in line for c in "éèàçêù")]
    english = _column(eng_fra, 0)
    repeat = max(1, size // len(JAPANESE.encode("utf-8")) + 1)
    return [
        ("chinese-cmn", "cp950", _lines_encodable(chinese, "cp950", size)),
        ("chinese-poetry", "cp950", _lines_encodable(poetry[1000:], "cp950", size)),
        # byte 0xF9: box drawing that cp950 adds to Big5 (where Python's big5 codec stops)
        ("chinese-cmn+box", "cp950", _lines_encodable(chinese, "cp950", size - 60) + "╔═══╗\n"),
        ("chinese-cmn", "gb18030", _lines_encodable(chinese, "gb18030", size)),
        ("chinese-poetry", "gbk", _lines_encodable(poetry[1000:], "gbk", size)),
        ("japanese", "shift_jis", JAPANESE * repeat),
        ("japanese", "euc-jp", JAPANESE * repeat),
        ("korean", "euc-kr", KOREAN * repeat),
        ("french", "cp1252", _lines_encodable(french, "cp1252", size)),
        ("french", "latin-1", _lines_encodable(french, "latin-1", size)),
        ("english", "ascii", _lines_encodable(english, "ascii", size)),
        ("chinese-cmn", "utf-8", _lines_encodable(chinese, "utf-8", size)),
        ("french", "utf-8", _lines_encodable(french, "utf-8", size)),
        ("chinese-cmn", "utf-16", _lines_encodable(chinese, "utf-16", size)),  # with BOM
        ("chinese-cmn", "utf-16-le", _lines_encodable(chinese, "utf-16-le", size)),  # no BOM
        ("french", "utf-16-le", _lines_encodable(french, "utf-16-le", size)),
    ]


def _chardet(data: bytes) -> tuple[str | None, float]:
    found = chardet.detect(data)
    return found.get("encoding"), float(found.get("confidence") or 0.0)


def _normalizer(data: bytes) -> tuple[str | None, float]:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None, 0.0
    return best.encoding, round(1.0 - float(best.chaos), 3)


_WARNED: list[bool] = []


def _studio(data: bytes) -> tuple[str | None, float]:
    found = detect_head(data)
    _WARNED.append(bool(found.warning))
    return found.encoding, found.confidence


def _round_trips(data: bytes, encoding: str | None, text: str) -> bool:
    if encoding is None:
        return False
    try:
        codecs.lookup(encoding)
        return data.decode(encoding) == text or data.decode(encoding).lstrip("\ufeff") == text
    except (LookupError, UnicodeDecodeError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=4096, help="about how many bytes per sample")
    args = parser.parse_args()
    rows = []
    score = {"charset-normalizer": 0, "chardet": 0, "rnn-studio": 0}
    for name, encoding, text in samples(args.bytes):
        data = text.encode(encoding)
        row = {"sample": name, "encoding": encoding, "bytes": len(data)}
        for label, detect in (("charset-normalizer", _normalizer), ("chardet", _chardet),
                              ("rnn-studio", _studio)):
            start = time.perf_counter()
            found, confidence = detect(data)
            seconds = time.perf_counter() - start
            ok = _round_trips(data, found, text)
            score[label] += ok
            row[label] = {"detected": found, "confidence": round(confidence, 3),
                          "round_trips": ok, "seconds": round(seconds, 4)}
            if label == "rnn-studio":
                row[label]["warning"] = _WARNED.pop()
        rows.append(row)
    print(json.dumps({
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": len(__import__("os").sched_getaffinity(0)),
        "versions": {"charset-normalizer": charset_normalizer.__version__,
                     "chardet": chardet.__version__},
        "round_trips": score, "samples": rows,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
