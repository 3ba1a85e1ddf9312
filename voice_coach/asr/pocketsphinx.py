"""The embedded engine: pocketsphinx's US-English model from its wheel, language model built from our phrases."""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from voice_coach.asr import lm_cache
from voice_coach.asr.text import normalise
from voice_coach.audio.format import SPEECH, AudioFormat
from voice_coach.config import wake_phrases
from voice_coach.errors import ModelError

_LOGGER = logging.getLogger(__name__)

_DOMAIN = "domain"
_GRAMMAR = "grammar"
_INSTALL_HINT = "install it with `pip install pocketsphinx` (version 5 or newer)"
BEAM = 1e-60
WORD_BEAM = 1e-40
NBEST = 30
"""Alternatives searched for a whole known sentence: one-word commands lose to near sounds ("stop", "steps")
on the best path, but the known sentence is usually among the next few. Only in the open (domain) search:
the speaking-turn grammars stay strict, so stray speech there is not pulled into a command."""


def _import() -> Any:
    try:
        import pocketsphinx
    except ImportError as exc:
        raise ModelError("the pocketsphinx engine is not installed", _INSTALL_HINT) from exc
    if not hasattr(pocketsphinx, "Decoder") or not hasattr(pocketsphinx, "get_model_path"):
        raise ModelError("this pocketsphinx is too old", _INSTALL_HINT)
    return pocketsphinx


class PocketsphinxRecognizer:
    """pocketsphinx 5 with a language model made from the sentences the coach understands.

    Without phrases it uses the wheel's general English model (slower, and it hears "coach" less well).
    ``background`` sentences only add their words, at the lowest weight: speech that is not a command
    then decodes to those words instead of being forced into a command.
    """

    def __init__(
        self,
        phrases: Sequence[str] = (),
        *,
        wake_words: Sequence[str] = tuple(wake_phrases()),
        fmt: AudioFormat = SPEECH,
        background: Iterable[str] = (),
    ) -> None:
        if fmt.width != 2 or fmt.channels != 1:
            raise ModelError("pocketsphinx takes 16-bit mono audio", "convert with voice_coach.audio.format.convert")
        self._rate = fmt.rate
        ps = _import()
        self._ps = ps
        self._wake_words = [normalise(w) for w in wake_words]
        self._background = [text for text in (normalise(s) for s in background) if text]
        sentences = _with_wake_words(phrases, self._wake_words) if phrases else []
        full_dict = ps.get_model_path("en-us/cmudict-en-us.dict")
        self._lean = _LeanDictionary(full_dict) if phrases else None
        self._in_utt = False
        self._grammars: dict[tuple[str, ...], str] = {}
        self._normal_search = "_default"
        self._known: dict[str, frozenset[str]] = {}
        self._search = "_default"
        if not phrases:
            self._decoder = self._new_decoder(None)
            return
        # The domain model and its dictionary are kept in the cache folder (asr/lm_cache.py): building them is
        # most of the start-up time. A kept copy that will not load is deleted and built afresh.
        key = lm_cache.key_of(sentences, self._background, full_dict)
        kept = lm_cache.lookup(key)
        if kept is not None:
            try:
                self._decoder = self._new_decoder(str(kept.dictionary))
                self._decoder.add_lm_file(_DOMAIN, str(kept.arpa))
            except (ModelError, RuntimeError, ValueError) as exc:
                _LOGGER.info("the kept language model %s is damaged (%s); building it afresh", kept.folder, exc)
                lm_cache.discard(kept)
                kept = None
        if kept is None:
            self._build_domain(key, sentences)
        self._normal_search = _DOMAIN
        self._activate(_DOMAIN)
        # The bare wake word is a known sentence too: "coach" then a pause must stay "coach", not "coach no".
        self._known[_DOMAIN] = frozenset([*sentences, *self._wake_words])

    def _new_decoder(self, dictionary: str | None) -> Any:
        ps = self._ps
        try:
            return ps.Decoder(
                hmm=ps.get_model_path("en-us/en-us"),
                # With phrases, the general English model and the 135,000-word dictionary are never searched:
                # only the words of our own models are loaded (about 85 MB and 0.2 s less at start-up).
                lm=None if dictionary else ps.get_model_path("en-us/en-us.lm.bin"),
                dict=dictionary or ps.get_model_path("en-us/cmudict-en-us.dict"),
                samprate=float(self._rate),
                # Wider than the defaults (1e-48, 7e-29): the small models leave room, and on synthetic voices
                # the right command was often pruned early (bench_accuracy espeak clean 60 % -> 62.5 %).
                beam=BEAM,
                wbeam=WORD_BEAM,
                loglevel="FATAL",
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"pocketsphinx could not load its model: {exc}", _INSTALL_HINT) from exc

    def _build_domain(self, key: str, sentences: list[str]) -> None:
        """Build the domain model and its lean dictionary, keep them in the cache, and load them."""
        assert self._lean is not None
        dictionary = self._lean.text([*sentences, *self._background])
        with tempfile.TemporaryDirectory(prefix="voice-coach-lm-") as folder:
            dict_path = Path(folder) / "lean.dict"
            dict_path.write_text(dictionary, encoding="utf-8")
            self._decoder = self._new_decoder(str(dict_path))
        arpa = self._arpa(_DOMAIN, sentences)
        kept = lm_cache.store(key, dictionary, arpa)
        self._load_arpa(_DOMAIN, arpa, kept.arpa if kept is not None else None)

    # Recognizer protocol

    def accept(self, chunk: bytes) -> None:
        if not chunk:
            return  # pocketsphinx raises IndexError on an empty buffer
        if not self._in_utt:
            self._decoder.start_utt()
            self._in_utt = True
        self._decoder.process_raw(chunk, False, False)

    def partial(self) -> str:
        if not self._in_utt:
            return ""
        hyp = self._decoder.hyp()
        return _clean(hyp.hypstr) if hyp is not None else ""

    def final(self) -> str:
        if not self._in_utt:
            return ""
        self._decoder.end_utt()
        self._in_utt = False
        hyp = self._decoder.hyp()
        best = _clean(hyp.hypstr) if hyp is not None else ""
        known = self._known.get(self._search)
        if hyp is None or not known or best in known:
            return best
        for rank, alternative in enumerate(self._decoder.nbest()):
            if rank >= NBEST or alternative is None:
                break
            text = _clean(alternative.hypstr)
            if text in known:
                return text
        return best

    def known(self) -> frozenset[str]:
        """The whole sentences the current search knows (wake word variants included); empty without phrases."""
        return self._known.get(self._search, frozenset())

    def reset(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            self._in_utt = False

    def set_grammar(self, phrases: list[str] | None) -> None:
        self.reset()
        if phrases is None:
            self._activate(self._normal_search)
            return
        key = tuple(phrases)
        if key not in self._grammars:
            name = f"{_GRAMMAR}{len(self._grammars)}"
            self._add_lm(name, _with_wake_words(phrases, self._wake_words))
            self._grammars[key] = name
        self._activate(self._grammars[key])

    def _activate(self, search: str) -> None:
        self._decoder.activate_search(search)
        self._search = search

    # Building language models

    def _add_lm(self, name: str, sentences: list[str]) -> None:
        """Load a trigram model of ``sentences`` (normalised) as search ``name``."""
        if self._lean is not None:
            self._lean.add_missing(self._decoder, [*sentences, *self._background])
        self._load_arpa(name, self._arpa(name, sentences), None)

    def _load_arpa(self, name: str, arpa: str, path: Path | None) -> None:
        if path is not None:
            self._decoder.add_lm_file(name, str(path))
            return
        with tempfile.TemporaryDirectory(prefix="voice-coach-lm-") as folder:
            written = Path(folder) / f"{name}.arpa"
            written.write_text(arpa, encoding="utf-8")
            self._decoder.add_lm_file(name, str(written))

    def _arpa(self, name: str, sentences: list[str]) -> str:
        """A trigram model of ``sentences`` (normalised) in ARPA text, the background's words at the lowest weight."""
        from pocketsphinx.lm import ArpaBoLM

        corpus: list[str] = []
        unknown: set[str] = set()
        for sentence in sentences:
            missing = [w for w in sentence.split() if self._decoder.lookup_word(w) is None]
            if missing:
                unknown.update(missing)
            else:
                corpus.append(sentence)
        if unknown:
            _LOGGER.debug("phrases with words outside the dictionary left out: %s", ", ".join(sorted(unknown)))
        if not corpus:
            raise ModelError("none of the phrases can be spoken to pocketsphinx", "check the intents' examples")
        lm = ArpaBoLM(text="\n".join(corpus) + "\n", add_start=True, discount_mass=0.5)
        extra = sorted(set(_words(self._background)) - set(lm.grams_1))
        for word in extra:
            if self._decoder.lookup_word(word) is not None:
                lm.grams_1[word] = 1
        lm.compute()
        out = io.StringIO()
        lm.write(out)
        _LOGGER.debug("pocketsphinx %s model: %d sentences, %d words", name, len(corpus), len(lm.grams_1))
        return out.getvalue()


class _LeanDictionary:
    """The entries of pocketsphinx's pronouncing dictionary for just the words our models use."""

    def __init__(self, full_path: str) -> None:
        self.full_path = full_path

    def _entries(self, words: set[str]) -> list[str]:
        """Dictionary lines for ``words``, alternate pronunciations ("word(2)") included."""
        with open(self.full_path, encoding="utf-8") as full:
            return [line for line in full if line.split(" ", 1)[0].split("(", 1)[0] in words]

    def text(self, sentences: Iterable[str]) -> str:
        """A dictionary holding every word of ``sentences`` (normalised) that pocketsphinx can pronounce."""
        return "".join(self._entries(_words(sentences)))

    def add_missing(self, decoder: Any, sentences: Iterable[str]) -> None:
        """Add the words of ``sentences`` the decoder does not know yet (a later grammar's new words)."""
        missing = {w for w in _words(sentences) if decoder.lookup_word(w) is None}
        if not missing:
            return
        entries = self._entries(missing)
        for rank, line in enumerate(entries):
            word, phones = line.split(" ", 1)
            decoder.add_word(word, phones.split("#", 1)[0].strip(), rank == len(entries) - 1)


def _words(sentences: Iterable[str]) -> set[str]:
    """The words of normalised sentences."""
    return {word for sentence in sentences for word in sentence.split()}


def _with_wake_words(phrases: Iterable[str], wake_words: Sequence[str]) -> list[str]:
    """Each phrase alone and after each wake word, so "coach, another one" and "another one" both fit.

    A phrase given several times keeps its count: that is how a caller makes it likelier.
    """
    out: list[str] = []
    done: dict[str, list[str]] = {}  # weighted phrases come several times: each is worked out once
    for phrase in phrases:
        variants = done.get(phrase)
        if variants is None:
            text = normalise(phrase)
            variants = [text] if text else []
            if text and not any(text.startswith(w + " ") or text == w for w in wake_words):
                variants += [f"{wake} {text}" for wake in wake_words]
            done[phrase] = variants
        out += variants
    return out


def _clean(hypstr: str) -> str:
    """Drop pocketsphinx's filler and alternate-pronunciation marks ("<sil>", "word(2)")."""
    words = []
    for word in hypstr.split():
        if word.startswith(("<", "[", "+")):
            continue
        words.append(word.split("(", 1)[0])
    return " ".join(words)
