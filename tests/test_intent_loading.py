"""Loading the intents fast changes nothing: the expansion cache follows the files, and every shortcut the
matcher takes (quick no-match tests, scoring only the sentences that could reach the floor) gives what the
long way gives. Speed itself is measured by scripts/bench_intents.py, never asserted here."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from voice_coach.understand import intent_cache
from voice_coach.understand.choices import index_key
from voice_coach.understand.intents import INTENTS_DIR, Intents, load_intents
from voice_coach.understand.match import Context
from voice_coach.understand.matcher import recognize
from voice_coach.understand.normalize import PhraseMap
from voice_coach.understand.numbers import _find_minutes, may_hold_amount
from voice_coach.understand.scoring import SCORE_FLOOR, sorted_words
from voice_coach.understand.templates import expand, parse

ROOT = Path(__file__).resolve().parent.parent
SAID = ["coach, pause the timer", "can we have a tip about listening", "add two more minutes", "another one",
        "what's the weather like", "i'm done, your turn", "coach, question about money, a deep one"]


def _utterances() -> list[str]:
    lines = (ROOT / "tests" / "data" / "intents_dev.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def intents() -> Intents:
    return load_intents(cache=False)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "voice-coach" / "intents"


def _readings(intents: Intents) -> list[object]:
    return [recognize(text, intents, ctx) for text in SAID for ctx in (None, Context(in_exercise=True))]


def test_loading_from_the_cache_gives_the_same_matcher(intents: Intents, cache_home: Path) -> None:
    first = load_intents()  # expands, and keeps the expansion
    assert len(list(cache_home.glob("*.marshal"))) == 1
    again = load_intents()  # from the cache
    for loaded in (first, again):
        assert (loaded.choices, loaded.choice_intents, loaded.examples()) == (
            intents.choices, intents.choice_intents, intents.examples())
        assert loaded.known_words == intents.known_words
        assert _readings(loaded) == _readings(intents)


def _intent_of(text: str, folder: Path) -> str | None:
    found = recognize(text, load_intents(folder))
    return found.intent if found else None


def test_a_changed_intent_file_is_expanded_again(tmp_path: Path, cache_home: Path) -> None:
    folder = tmp_path / "intents"
    shutil.copytree(INTENTS_DIR, folder)
    extra = folder / "zz_kettle.yaml"
    extra.write_text('intents:\n  kettle:\n    sentences: ["freeze the kettle"]\n', encoding="utf-8")
    assert _intent_of("coach, freeze the kettle", folder) == "kettle"
    assert _intent_of("coach, freeze the kettle", folder) == "kettle"  # from the cache
    assert len(list(cache_home.glob("*.marshal"))) == 1
    extra.write_text('intents:\n  kettle:\n    sentences: ["thaw the kettle"]\n', encoding="utf-8")
    assert _intent_of("coach, thaw the kettle", folder) == "kettle"
    assert _intent_of("coach, freeze the kettle", folder) != "kettle"
    assert len(list(cache_home.glob("*.marshal"))) == 2  # one expansion per version of the files
    extra.unlink()
    assert _intent_of("coach, thaw the kettle", folder) != "kettle"


def test_a_damaged_or_unwritable_cache_only_costs_time(intents: Intents, cache_home: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    load_intents()
    (kept,) = cache_home.glob("*.marshal")
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short
    assert _readings(load_intents()) == _readings(intents)
    assert len(kept.read_bytes()) > 1000  # written whole again
    kept.write_bytes(b"not marshal data")
    assert _readings(load_intents()) == _readings(intents)
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # no folder can be made under a file
    assert _readings(load_intents()) == _readings(intents)


def test_the_cache_key_follows_the_files_and_their_order() -> None:
    one, two = ("a.yaml", "intents: {}"), ("b.yaml", "rules: {}")
    assert intent_cache.key([one, two]) == intent_cache.key([one, two])
    assert intent_cache.key([one, two]) != intent_cache.key([two, one])
    assert intent_cache.key([one]) != intent_cache.key([("a.yaml", "intents: {} ")])


def test_candidates_are_every_sentence_that_can_reach_the_floor(intents: Intents) -> None:
    """The word index and the letter-count bound leave out only sentences that score under the floor."""
    for mode in ("normal", "pending", "turn"):
        table = intents.choice_table(mode)
        for text in _utterances()[::7] + ["pause", "go on", "it is", "XMIN each", "here in is it loud too"]:
            words = intents.normalizer.drop(intents.normalizer.words(text)) or intents.normalizer.words(text)
            if not words:
                continue
            query = sorted_words(words)
            every = process.extract(query, table.choices, scorer=fuzz.ratio, processor=None, limit=None,
                                    score_cutoff=SCORE_FLOOR)
            reached = {index for _, _, index in every}
            positions, texts = table.candidates(query, None, SCORE_FLOOR)
            assert reached <= set(positions), (mode, text)
            assert texts == [table.choices[i] for i in positions] and list(positions) == sorted(positions)
            keys = {index_key(w) for w in words}
            positions, texts = table.candidates(query, keys, SCORE_FLOOR)
            sharing = {i for i in reached if keys & {index_key(w) for w in table.choices[i].split()}}
            assert sharing <= set(positions) <= {i for i in range(len(table.choices))
                                                 if keys & {index_key(w) for w in table.choices[i].split()}}
            assert texts == [table.choices[i] for i in positions]


def _canonical_long_way(intents: Intents, words: list[str]) -> list[str]:
    replace: PhraseMap = intents.normalizer._replace
    out, i = [], 0
    while i < len(words):
        if i and words[i] == words[i - 1]:
            i += 1
            continue
        hit = replace.match_at(words, i)
        out.extend(hit[1] if hit else [words[i]])  # type: ignore[arg-type]
        i += hit[0] if hit else 1
    return out


def _drop_long_way(intents: Intents, words: list[str]) -> list[str]:
    normalizer = intents.normalizer
    out: list[str] = []
    i = 0
    while i < len(words):
        hit = normalizer._leading.match_at(words, i) if not out else None
        if hit:
            i += hit[0]
            continue
        hit = normalizer._drop.match_at(words, i)
        if hit:
            i += hit[0]
        else:
            out.append(words[i])
            i += 1
    return out


def test_quick_paths_of_the_normaliser_and_the_amount_finder_change_nothing(intents: Intents) -> None:
    said = [intents.normalizer.words(text) for text in _utterances()]
    templates = [list(words) for name in intents.intents for words in intents._raw[name]][::5]
    numberish = ["a", "an", "another", "half", "couple", "of", "few", "for", "to", "two", "minute", "minutes",
                 "second", "1.5", "ten", "each", "the", "more", "no", "one", "twenty", "five", "hour"]
    made = [list(c) for n in (1, 2, 3) for c in itertools.product(numberish, repeat=n)]
    for words in said + templates + made + [["wait", "wait"], ["can", "you", "can", "you"], []]:
        assert intents.normalizer.canonical(words) == _canonical_long_way(intents, words), words
        assert intents.normalizer.drop(words) == _drop_long_way(intents, words), words
        assert may_hold_amount(words) or _find_minutes(words) is None, words


def test_rules_expanded_once_give_the_same_sentences(intents: Intents) -> None:
    data = Intents.from_files(sorted(INTENTS_DIR.glob("*.yaml")), cache=False)
    from voice_coach.understand.intent_files import merge, parse_yaml

    merged: dict[str, object] = {}
    for path in sorted(INTENTS_DIR.glob("*.yaml")):
        merge(merged, parse_yaml(path.read_text(encoding="utf-8"), str(path)), str(path))
    rules = {str(name): parse(str(t)) for name, t in merged["rules"].items()}  # type: ignore[attr-defined]
    tokens = {"depth": "XDEPTH", "topic": "XTOPIC", "minutes": "XMIN", "speaker": "XWHO"}
    memo: dict[tuple[str, int], list[tuple[str, ...]]] = {}
    for definition in data.intents.values():
        for template in definition.sentences:
            assert expand(parse(template), rules, tokens, memo=memo) == expand(parse(template), rules, tokens)


def test_work_shared_within_one_utterance_changes_no_reading(intents: Intents) -> None:
    """recognize() scores each query and normalises each piece once per utterance; read without that
    sharing, every utterance reads the same, and nothing is kept between utterances."""
    from voice_coach.understand import matcher, utterance

    for text in _utterances()[::5] + SAID:
        for ctx in (None, Context(), Context(in_exercise=True, speaking_turn=True)):
            assert recognize(text, intents, ctx) == matcher._recognize(text, intents, ctx, None), (text, ctx)
    assert utterance.memo("words") is None
    with utterance.one_utterance():
        words = intents.normalizer.words("coach, pause the timer")
        words.append("changed")  # a caller's own copy
        assert intents.normalizer.words("coach, pause the timer") == ["coach", "pause", "the", "timer"]


def test_required_words_heard_in_one_call_as_word_by_word(intents: Intents) -> None:
    """An intent that needs a word is barred unless the utterance has it or a word sounding close, as when
    each word was compared with each intent's words one by one."""
    from voice_coach.understand.scoring import WORD_SIMILARITY, _barred

    def one_by_one(query: tuple[str, ...]) -> set[str]:
        return {name for name, needed in intents.requires.items()
                if not any(process.extractOne(w, needed, scorer=fuzz.ratio, score_cutoff=WORD_SIMILARITY)
                           for w in query)}

    assert intents.requires, "no intent needs a word any more: this test has nothing to check"
    slips = [w[:i] + c + w[i + 1:] for w in intents.required_words for i in range(len(w)) for c in "aeo"]
    said = [tuple(intents.normalizer.words(text)) for text in _utterances()[::3]]
    for query in said + [(w,) for w in slips] + [("another", "one"), ("next",)]:
        if query:
            assert _barred(query, intents) == one_by_one(query), query
