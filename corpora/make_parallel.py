"""Generate the ``numbers-en-fr`` sample corpus: English number phrases to French.

    python corpora/make_parallel.py --out corpora/numbers-en-fr          # (re)write
    python corpora/make_parallel.py --out corpora/numbers-en-fr --check  # compare only

Writes ``train.tsv``, ``valid.tsv`` and ``test.tsv`` (``english<TAB>french``, UTF-8,
``\\n`` line ends, no header). The output depends only on ``--seed``: the
committed files are the output of the default seed, byte for byte.

Two kinds of pairs, shuffled together:

- bare numbers, 0 to 999,999: ``three hundred and forty-two`` ->
  ``trois cent quarante-deux``;
- short present-tense sentences around a count from 1 to 9,999:
  ``She sells twenty-one apples at the market.`` ->
  ``Elle vend vingt et une pommes au marché.``

Spelling: British English ("and" after "hundred", and before a last part under
100: ``one thousand and five``); traditional French spelling (hyphens only
between tens and units under 100, ``et`` in 21, 31, ..., 71; ``quatre-vingts``
and ``cents`` lose their ``s`` when followed by anything, ``mille`` never
takes one). Every number in ``valid.tsv`` or ``test.tsv`` appears nowhere in
``train.tsv`` (and valid and test share none), so held-out scores measure
composition, not recall; all of 0 to 99 are in train.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterable
from pathlib import Path

DEFAULT_SEED = 20240601
SPLITS = ("train", "valid", "test")

# --------------------------------------------------------------------------- English

_EN_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _english_below_100(n: int) -> str:
    if n < 20:
        return _EN_UNITS[n]
    tens, units = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else "")


def _english_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _english_below_100(rest)
    words = f"{_EN_UNITS[hundreds]} hundred"
    return words + (f" and {_english_below_100(rest)}" if rest else "")


def english_number(n: int) -> str:
    """British English words for 0 <= n <= 999,999: 342 -> 'three hundred and forty-two'."""
    if not 0 <= n < 1_000_000:
        raise ValueError(f"english_number covers 0 to 999999, got {n}")
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _english_below_1000(rest)
    words = f"{_english_below_1000(thousands)} thousand"
    if rest == 0:
        return words
    if rest < 100:  # 1,005 -> "one thousand and five"
        return f"{words} and {_english_below_100(rest)}"
    return f"{words} {_english_below_1000(rest)}"


# --------------------------------------------------------------------------- French

_FR_UNITS = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize "
    "quatorze quinze seize dix-sept dix-huit dix-neuf"
).split()
_FR_TENS = "_ _ vingt trente quarante cinquante soixante".split()


def _french_below_100(n: int, final: bool) -> str:
    """``final``: nothing follows, so 80 keeps the ``s`` of ``quatre-vingts``."""
    if n < 20:
        return _FR_UNITS[n]
    if n < 70:
        tens, units = divmod(n, 10)
        if units == 0:
            return _FR_TENS[tens]
        joiner = " et " if units == 1 else "-"
        return _FR_TENS[tens] + joiner + _FR_UNITS[units]
    if n < 80:  # 70-79: soixante-dix, soixante et onze, soixante-douze ...
        return "soixante" + (" et " if n == 71 else "-") + _FR_UNITS[n - 60]
    if n == 80:
        return "quatre-vingts" if final else "quatre-vingt"
    return "quatre-vingt-" + _FR_UNITS[n - 80]  # 81-99, never "et"


def _french_below_1000(n: int, final: bool) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _french_below_100(rest, final)
    if rest:
        head = "cent" if hundreds == 1 else f"{_FR_UNITS[hundreds]} cent"
        return f"{head} {_french_below_100(rest, final)}"
    if hundreds == 1:
        return "cent"
    return f"{_FR_UNITS[hundreds]} {'cents' if final else 'cent'}"


def french_number(n: int, feminine: bool = False) -> str:
    """French words (traditional spelling) for 0 <= n <= 999,999: 342 -> 'trois cent quarante-deux'.

    ``feminine`` gives the form used before a feminine noun, where a final
    ``un`` becomes ``une`` (``vingt et une pommes``); only the last word
    changes, so ``vingt et un mille`` stays as it is.
    """
    if not 0 <= n < 1_000_000:
        raise ValueError(f"french_number covers 0 to 999999, got {n}")
    thousands, rest = divmod(n, 1000)
    if not thousands:
        words = _french_below_1000(rest, final=True)
    else:
        # "mille", never "un mille"; the part before "mille" is never final.
        head = "mille" if thousands == 1 else f"{_french_below_1000(thousands, final=False)} mille"
        words = head if rest == 0 else f"{head} {_french_below_1000(rest, final=True)}"
    if feminine and (words == "un" or words.endswith((" un", "-un"))):
        words += "e"
    return words


# --------------------------------------------------------------------------- sentences

# English subject, 3rd-person-singular flag, French subject, French verb-form index.
_SUBJECTS = (
    ("I", False, "je", 0),
    ("he", True, "il", 1),
    ("she", True, "elle", 1),
    ("we", False, "nous", 2),
    ("you", False, "vous", 3),
    ("they", False, "ils", 4),
)
# English base form, English -s form, French forms for je, il/elle, nous, vous, ils.
_VERBS = (
    ("have", "has", ("ai", "a", "avons", "avez", "ont")),
    ("see", "sees", ("vois", "voit", "voyons", "voyez", "voient")),
    ("buy", "buys", ("achète", "achète", "achetons", "achetez", "achètent")),
    ("sell", "sells", ("vends", "vend", "vendons", "vendez", "vendent")),
    ("count", "counts", ("compte", "compte", "comptons", "comptez", "comptent")),
    ("find", "finds", ("trouve", "trouve", "trouvons", "trouvez", "trouvent")),
)
# English singular, plural; French singular, plural, feminine?
_NOUNS = (
    ("apple", "apples", "pomme", "pommes", True),
    ("book", "books", "livre", "livres", False),
    ("bird", "birds", "oiseau", "oiseaux", False),
    ("chair", "chairs", "chaise", "chaises", True),
    ("cat", "cats", "chat", "chats", False),
    ("house", "houses", "maison", "maisons", True),
    ("ticket", "tickets", "billet", "billets", False),
    ("flower", "flowers", "fleur", "fleurs", True),
    ("stone", "stones", "pierre", "pierres", True),
    ("boat", "boats", "bateau", "bateaux", False),
    ("key", "keys", "clé", "clés", True),
    ("letter", "letters", "lettre", "lettres", True),
    ("horse", "horses", "cheval", "chevaux", False),
    ("egg", "eggs", "œuf", "œufs", False),
)
_PLACES = (
    ("", ""),
    ("in the garden", "dans le jardin"),
    ("in the kitchen", "dans la cuisine"),
    ("at the market", "au marché"),
    ("on the table", "sur la table"),
    ("near the river", "près de la rivière"),
    ("at school", "à l'école"),
)


def _count_phrase(n: int, noun: tuple[str, str, str, str, bool]) -> tuple[str, str]:
    en_sing, en_plur, fr_sing, fr_plur, feminine = noun
    en = f"{english_number(n)} {en_sing if n == 1 else en_plur}"
    fr = f"{french_number(n, feminine=feminine)} {fr_sing if n == 1 else fr_plur}"
    return en, fr


def _sentence(n: int, rng: random.Random) -> tuple[str, str]:
    """One sentence pair around the count ``n`` (1 <= n <= 9,999)."""
    noun = rng.choice(_NOUNS)
    place_en, place_fr = rng.choice(_PLACES)
    count_en, count_fr = _count_phrase(n, noun)
    if rng.random() < 0.25:  # "There are N cats in the garden."
        place_en, place_fr = rng.choice(_PLACES[1:])
        en = f"There {'is' if n == 1 else 'are'} {count_en} {place_en}."
        fr = f"Il y a {count_fr} {place_fr}."
        return en, fr
    subj_en, third, subj_fr, form = rng.choice(_SUBJECTS)
    verb_base, verb_s, verb_fr = rng.choice(_VERBS)
    verb_fr = verb_fr[form]
    elide = subj_fr == "je" and verb_fr[0] in "aeéiou"  # je + ai -> j'ai
    subject_verb_fr = f"j'{verb_fr}" if elide else f"{subj_fr} {verb_fr}"
    en = " ".join(w for w in (subj_en, verb_s if third else verb_base, count_en, place_en) if w)
    fr = " ".join(w for w in (subject_verb_fr, count_fr, place_fr) if w)
    return en[0].upper() + en[1:] + ".", fr[0].upper() + fr[1:] + "."


# --------------------------------------------------------------------------- splits

# Bare numbers per split, by number of digits (1-2 digits: all of 0-99 go to train).
_BARE_PLAN = {
    "train": {3: 700, 4: 3_000, 5: 3_600, 6: 3_600},
    "valid": {3: 40, 4: 110, 5: 175, 6: 175},
    "test": {3: 40, 4: 110, 5: 175, 6: 175},
}
_SENTENCES = {"train": 8_000, "valid": 500, "test": 500}
# Numbers below 10,000 kept out of train for the held-out sentences, per split.
_HELD_OUT_SMALL = {3: 60, 4: 400}


def _digit_range(digits: int) -> range:
    return range(10 ** (digits - 1), 10**digits)


def _choose_numbers(rng: random.Random) -> dict[str, dict[int, list[int]]]:
    """Disjoint number sets per split and digit count; held-out ones drawn first."""
    chosen: dict[str, dict[int, list[int]]] = {split: {} for split in SPLITS}
    for digits in (3, 4, 5, 6):
        span = _digit_range(digits)
        valid, test = (max(_HELD_OUT_SMALL.get(digits, 0), _BARE_PLAN[s][digits])
                       for s in ("valid", "test"))
        small = digits <= 4
        pool = rng.sample(span, valid + test + (0 if small else _BARE_PLAN["train"][digits]))
        chosen["valid"][digits] = pool[:valid]
        chosen["test"][digits] = pool[valid : valid + test]
        if small:  # train sentences may use any number below 10,000 that is not held out
            held_out = set(pool)
            chosen["train"][digits] = [n for n in span if n not in held_out]
        else:
            chosen["train"][digits] = pool[valid + test :]
    chosen["train"][2] = list(range(100))
    return chosen


def _sentence_count(numbers: dict[int, list[int]], rng: random.Random) -> int:
    """A count for a sentence: 30% 1-99 (train only), 45% 3 digits, the rest 4 digits."""
    roll = rng.random()
    if 2 in numbers and roll < 0.3:
        return rng.randrange(1, 100)
    return rng.choice(numbers[3] if roll < 0.75 else numbers[4])


def build_splits(seed: int = DEFAULT_SEED) -> dict[str, list[tuple[str, str]]]:
    """All three splits as lists of ``(english, french)``; deterministic in ``seed``."""
    rng = random.Random(seed)
    numbers = _choose_numbers(rng)
    splits: dict[str, list[tuple[str, str]]] = {}
    for split in SPLITS:
        bare = list(numbers["train"][2]) if split == "train" else []
        for digits, count in _BARE_PLAN[split].items():
            # train's 3- and 4-digit lists are whole ranges; take a sample of them
            bare.extend(rng.sample(numbers[split][digits], count))
        pairs = {english_number(n): french_number(n) for n in bare}
        wanted = len(pairs) + _SENTENCES[split]
        for _ in range(50 * _SENTENCES[split]):  # repeats are skipped; this is plenty
            if len(pairs) == wanted:
                break
            en, fr = _sentence(_sentence_count(numbers[split], rng), rng)
            pairs.setdefault(en, fr)
        if len(pairs) != wanted:
            raise RuntimeError(f"{split}: only {len(pairs)} distinct pairs of {wanted}")
        rows = sorted(pairs.items())  # fixed order before the seeded shuffle
        rng.shuffle(rows)
        splits[split] = rows
    return splits


def render(rows: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{en}\t{fr}\n" for en, fr in rows).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for train/valid/test.tsv")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="random seed (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the files in --out differ from the output")
    args = parser.parse_args(argv)
    splits = build_splits(args.seed)
    differ = []
    if not args.check:
        args.out.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        path = args.out / f"{split}.tsv"
        data = render(rows)
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                differ.append(path)
            continue
        path.write_bytes(data)
        print(f"{path}: {len(rows)} pairs, {len(data)} bytes")
    for path in differ:
        print(f"differs: {path}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
