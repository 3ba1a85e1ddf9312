"""Who a spoken question comes from: the coach, or one partner asking the other.

Starters are written like cards in a deck ("What's a small thing I did this week that you liked?"):
one partner reads it to the other, so its "I" is the asker. Spoken bare by the coach, that "I" is
heard as the coach itself. The rule lives here, in one place, so the coach (which speaks a lead such
as "Ask each other:" before such a question), guided sessions (which ask both partners in turn and so
leave such questions out) and the validator agree on it.

"We", "us" and "our" count too: in "What kind of parent do you hope our child sees in you?" they mean
the couple, but from the coach they would take the coach in.

A rule rather than a field in the content files: every first-person word in the shipped starters and
follow-ups means the asker, user packs get it without a schema change, and there is no mark to forget
when a question is reworded.
"""

from __future__ import annotations

import logging
import re

_LOGGER = logging.getLogger(__name__)

FIRST_PERSON_ONE = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})
"""Words that, in a question one partner asks the other, mean the partner asking."""
FIRST_PERSON_BOTH = frozenset({"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'd", "we'll"})
"""Words that mean the two partners: from the coach, "our child" or "when we fight" would include the coach."""
FIRST_PERSON = FIRST_PERSON_ONE | FIRST_PERSON_BOTH
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def first_person_word(text: str, words: frozenset[str] = FIRST_PERSON) -> str | None:
    """The first word of ``text`` meaning the one asking ("I", "me", "my", ...) or the two of you ("we", "our"), or None."""
    for word in _WORD.findall(text.lower().replace("’", "'")):
        if word in words:
            return word
    return None


def asked_by_a_partner(text: str) -> bool:
    """True when ``text`` is a question one partner asks the other: spoken, it needs a lead first."""
    return first_person_word(text) is not None
