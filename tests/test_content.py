"""Content library: the shipped content passes the validator, and crafted bad content fails precisely."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from voice_coach.cli.commands import command_rules
from voice_coach.content import CATEGORIES, DEPTHS, SITUATIONS, TOPICS, Library, load_library
from voice_coach.content.library import library_from_text, parse_text
from voice_coach.content.spoken import CommandRules
from voice_coach.content.validate import (
    MAX_OPENING_SHARE,
    REQUIRED_LINES,
    REQUIRED_PROMPTS,
    validate,
)
from voice_coach.errors import ContentError

GOOD_TIP = "{id: listening.01, text: Look up from your phone when your partner talks., more: It shows they matter., try: Put it face down once today.}"


@pytest.fixture(scope="module")
def shipped() -> Library:
    return load_library()


@pytest.fixture(scope="module")
def rules() -> CommandRules:
    """What the coach hears: the project's own matcher and follow-up window."""
    return command_rules()


def pack(text: str, source: str = "pack.yaml") -> Library:
    """A library holding only one inline content file."""
    return library_from_text(textwrap.dedent(text).lstrip(), source)


def starter_problems(*texts: str) -> list[str]:
    body = "".join(f'  - {{id: fun.light.{i:02d}, depth: light, text: "{t}"}}\n' for i, t in enumerate(texts, 1))
    return validate(pack("category: fun\nstarters:\n" + body), coverage=False)


# ----- the shipped library -----------------------------------------------------------------------


def test_shipped_library_passes_the_validator(shipped: Library, rules: CommandRules) -> None:
    assert validate(shipped, commands=rules) == []
    assert shipped.rejected == []


def test_shipped_library_counts(shipped: Library) -> None:
    assert len(shipped.starters) >= 500
    per_cell = Counter((s.category, s.depth) for s in shipped.starters)
    assert min(per_cell[(c, d)] for c in CATEGORIES for d in DEPTHS) >= 8
    assert len(shipped.tips) >= 80
    per_topic = Counter(t.topic for t in shipped.tips)
    assert min(per_topic[t] for t in TOPICS) >= 5


def test_shipped_prompts_and_lines_have_required_keys_with_variants(shipped: Library) -> None:
    for key in REQUIRED_PROMPTS:
        assert len(shipped.prompt(key)) >= 3, key
    for key in REQUIRED_LINES:
        assert len(shipped.line(key)) >= 3, key


def test_shipped_starters_carry_their_file_and_line(shipped: Library) -> None:
    starter = shipped.starter("daily_life.light.01")
    assert starter is not None
    assert starter.source.endswith("starters_daily_life.yaml:6")


# ----- starters ----------------------------------------------------------------------------------


def test_a_yes_no_starter_is_rejected() -> None:
    assert starter_problems("Do you like mornings?") == [
        "pack.yaml:3: starter 'fun.light.01': yes/no question ('Do ...'); open with what, how, which, when, where or who"
    ]


@pytest.mark.parametrize("text", ["Is there a song you love?", "Would you rather fly or swim?", "Have you ever been surfing?"])
def test_other_yes_no_openers_are_rejected(text: str) -> None:
    (problem,) = starter_problems(text)
    assert "yes/no question" in problem


def test_a_yes_no_question_after_a_lead_in_is_rejected() -> None:
    (problem,) = starter_problems("When you're tired, do you like music on?")
    assert problem == "pack.yaml:3: starter 'fun.light.01': ends in a yes/no question; ask what, how, which, when, where or who instead"


def test_a_why_starter_is_rejected() -> None:
    (problem,) = starter_problems("Why did you pick that job?")
    assert problem == (
        "pack.yaml:3: starter 'fun.light.01': opens with 'why', which can sound like an accusation; try 'what led you to'"
    )


def test_a_starter_must_end_with_its_question() -> None:
    (problem,) = starter_problems("What made you laugh today? Take your time.")
    assert problem == "pack.yaml:3: starter 'fun.light.01': must end with a question mark (put the question last)"


def test_a_starter_without_a_question_word_is_rejected() -> None:
    (problem,) = starter_problems("Tell me about your favorite teacher?")
    assert "not open-ended" in problem


def test_a_long_starter_is_rejected() -> None:
    long = "What " + " ".join(["really"] * 20) + " made you smile?"
    (problem,) = starter_problems(long)
    assert problem == "pack.yaml:3: starter 'fun.light.01': 24 words, keep it to 20 or fewer"


def test_a_blaming_starter_is_rejected() -> None:
    (problem,) = starter_problems("You never listen, so what would help?")
    assert "'you never' sounds like blame" in problem


def test_an_open_starter_with_a_lead_in_passes() -> None:
    assert starter_problems("Think of your favorite teacher. What made them special?") == []


def test_duplicate_and_near_duplicate_starters_are_rejected() -> None:
    problems = starter_problems(
        "What was the best part of your weekend?",
        "What was the best part of your weekend?",
        "Where would you travel if money were no object?",
        "Where would you travel next if money were no object?",
    )
    assert problems == [
        "pack.yaml:4: starter 'fun.light.02' is a duplicate of 'fun.light.01' at pack.yaml:3; reword one of them",
        "pack.yaml:6: starter 'fun.light.04' is a near-duplicate (similarity 100) of 'fun.light.03' at pack.yaml:5; reword one of them",
    ]


def test_a_duplicate_id_is_rejected() -> None:
    library = pack(
        """
        category: fun
        starters:
          - {id: fun.light.01, depth: light, text: "What's your go-to snack on a road trip?"}
          - {id: fun.light.01, depth: light, text: "Which board game do you always want to win?"}
        """
    )
    assert validate(library, coverage=False) == ["pack.yaml:4: duplicate id 'fun.light.01' (first used at pack.yaml:3)"]


def test_a_starter_id_must_match_its_category_and_depth() -> None:
    library = pack('category: fun\nstarters:\n  - {id: fun.deep.01, depth: light, text: "What makes you laugh?"}\n')
    assert validate(library, coverage=False) == ["pack.yaml:3: starter 'fun.deep.01': id should look like 'fun.light.NN'"]


# ----- tips --------------------------------------------------------------------------------------


def test_a_40_word_tip_is_rejected() -> None:
    text = " ".join(["listen"] * 39) + " closely."
    library = pack(f"topic: active_listening\ntips:\n  - {{id: active_listening.01, text: {text}, more: It helps., try: Listen once.}}\n")
    assert validate(library, coverage=False) == ["pack.yaml:3: tip 'active_listening.01': text has 40 words, keep it to 35 or fewer"]


def test_tip_limits_on_sentences_more_and_try() -> None:
    more = " ".join(["because"] * 61)
    try_ = " ".join(["today"] * 26)
    library = pack(
        f"topic: patience\ntips:\n  - {{id: patience.01, text: Wait. Breathe. Listen., more: {more}, try: {try_}}}\n"
    )
    assert validate(library, coverage=False) == [
        "pack.yaml:3: tip 'patience.01': more has 61 words, keep it to 60 or fewer",
        "pack.yaml:3: tip 'patience.01': try has 26 words, keep it to 25 or fewer",
        "pack.yaml:3: tip 'patience.01': text has 3 sentences, keep it to 2 or fewer",
    ]


def test_a_quoted_example_counts_as_part_of_its_sentence() -> None:
    library = pack(
        'topic: appreciation\ntips:\n  - {id: appreciation.01, text: "Thank them and say: “I\'m glad you told me. It matters.” Then listen.", more: It helps., try: Say it once.}\n'
    )
    assert validate(library, coverage=False) == []


def test_near_duplicate_tips_are_rejected() -> None:
    library = pack(
        """
        topic: timing
        tips:
          - {id: timing.01, text: Save big talks for when you are both rested and calm., more: It helps., try: Pick a time.}
          - {id: timing.02, text: Save the big talks for when you are both calm and rested., more: It helps., try: Pick a time.}
        """
    )
    assert validate(library, coverage=False) == [
        "pack.yaml:4: tip 'timing.02' is a near-duplicate (similarity 100) of 'timing.01' at pack.yaml:3; reword one of them"
    ]


# ----- prompts and lines -------------------------------------------------------------------------


def test_a_prompt_needs_three_variants_and_known_placeholders() -> None:
    library = pack(
        """
        prompts:
          halfway: ["Halfway.", "Half your time."]
          time_left: ["{amount} left.", "You have {amount}.", "Not long now, {speaker}."]
        """
    )
    assert validate(library, coverage=False) == [
        "pack.yaml:2: prompt 'halfway': has 2 variant(s), write at least 3",
        "pack.yaml:3: prompt 'time_left': placeholder {speaker} is not filled here; use only ['amount']",
        "pack.yaml:3: prompt 'time_left': 'Not long now, {speaker}.' leaves out {amount}",
    ]


def test_missing_required_keys_are_reported(shipped: Library) -> None:
    library = replace(shipped, prompts={k: v for k, v in shipped.prompts.items() if k != "halfway"})
    library.lines = {k: v for k, v in shipped.lines.items() if k != "goodbye"}
    assert validate(library) == [
        "content: missing prompt 'halfway' (the coach needs it); add it under 'prompts:'",
        "content: missing line 'goodbye' (the coach needs it); add it under 'lines:'",
    ]


# ----- coverage ----------------------------------------------------------------------------------


def test_a_missing_depth_is_reported(shipped: Library) -> None:
    library = replace(shipped, starters=[s for s in shipped.starters if not (s.category == "fun" and s.depth == "deep")])
    problems = validate(library)
    assert len(problems) == 1
    assert problems[0].endswith("starters_fun.yaml:1: category 'fun' has 0 deep starters, need at least 8")


def test_too_few_items_are_reported(shipped: Library) -> None:
    library = replace(shipped, starters=shipped.starters[:450], tips=[t for t in shipped.tips if t.topic != "patience"])
    problems = validate(library)
    assert "content: 450 starters, need at least 500" in problems
    assert "content: topic 'patience' has 0 tips, need at least 5" in problems


def test_samey_openings_are_reported(shipped: Library) -> None:
    limit = int(MAX_OPENING_SHARE * len(shipped.starters))
    samey = [replace(s, text="So, tell me, " + s.text) for s in shipped.starters[:limit + 1]]
    library = replace(shipped, starters=samey + shipped.starters[limit + 1:])
    assert f"content: {limit + 1} starters open with 'so tell me', more than {limit}; vary the openings" in validate(library)
    # At the limit the same opening is still fine.
    samey = [replace(s, text="So, tell me, " + s.text) for s in shipped.starters[:limit]]
    library = replace(shipped, starters=samey + shipped.starters[limit:])
    assert not [p for p in validate(library) if "vary the openings" in p]


# ----- loading errors ----------------------------------------------------------------------------


def test_malformed_yaml_names_file_and_line() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text('category: fun\nstarters:\n  - {id: fun.light.01, text: "What\'s up?"\n  - oops\n', "pack.yaml")
    assert caught.value.message.startswith("pack.yaml:4: malformed YAML:")


def test_an_unknown_top_level_key_is_rejected() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text("category: fun\nstarter:\n  - {id: fun.light.01}\n", "pack.yaml")
    assert caught.value.message == "pack.yaml:2: unknown key 'starter'"


def test_an_unknown_key_in_a_starter_is_rejected() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text('category: fun\nstarters:\n  - {id: fun.light.01, depht: light, text: "What?"}\n', "pack.yaml")
    assert caught.value.message == "pack.yaml:3: unknown key 'depht' in a starter"


def test_a_tip_missing_try_is_rejected() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text("topic: empathy\ntips:\n  - {id: empathy.01, text: Listen., more: It helps.}\n", "pack.yaml")
    assert caught.value.message == "pack.yaml:3: a tip needs id, text, more and try"


def test_a_missing_topic_points_at_the_tips() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text("title: mine\ntips:\n  - {id: x.01, text: a, more: b, try: c}\n", "pack.yaml")
    assert caught.value.message.startswith("pack.yaml:2: unknown or missing topic None")


def test_an_unknown_category_is_rejected() -> None:
    with pytest.raises(ContentError) as caught:
        parse_text('category: cooking\nstarters:\n  - {id: cooking.light.01, depth: light, text: "What?"}\n', "pack.yaml")
    assert caught.value.message.startswith("pack.yaml:1: unknown or missing category 'cooking'")


# ----- user packs --------------------------------------------------------------------------------


def test_a_bad_user_pack_is_rejected_while_the_rest_loads(tmp_path: Path, shipped: Library) -> None:
    (tmp_path / "good.yaml").write_text(
        'category: dreams\nstarters:\n  - {id: dreams.light.mine1, depth: light, text: "What would you plant first on a tiny allotment?"}\n'
    )
    (tmp_path / "bad.yaml").write_text("topic: empathy\ntips:\n  - {id: empathy.mine, text: [oops\n")
    library = load_library(tmp_path)
    assert library.starter("dreams.light.mine1") is not None
    assert len(library.starters) == len(shipped.starters) + 1
    assert len(library.tips) == len(shipped.tips)
    (rejected,) = library.rejected
    assert rejected.startswith(f"{tmp_path / 'bad.yaml'}:4: malformed YAML")
    assert validate(library) == [rejected]


def test_a_good_user_pack_validates_clean(tmp_path: Path) -> None:
    (tmp_path / "extra.yaml").write_text(
        "lines:\n  goodbye: [\"Sleep well, you two.\"]\n"
        'category: dreams\nstarters:\n  - {id: dreams.light.mine1, depth: light, text: "What would you plant first on a tiny allotment?"}\n'
    )
    library = load_library(tmp_path)
    assert validate(library) == []
    assert library.line("goodbye")[-1] == "Sleep well, you two."


def test_a_user_pack_breaking_a_rule_is_reported_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text('category: fun\nstarters:\n  - {id: fun.light.mine, depth: light, text: "Are you hungry?"}\n')
    problems = validate(load_library(tmp_path))
    assert problems == [
        f"{tmp_path / 'mine.yaml'}:3: starter 'fun.light.mine': yes/no question ('Are ...'); open with what, how, which, when, where or who"
    ]


# ----- the ear: what a voice reads aloud ---------------------------------------------------------


def tip_problems(text: str, more: str = "It helps.", try_: str = "Try it once.") -> list[str]:
    body = f'  - {{id: timing.01, text: "{text}", more: "{more}", try: "{try_}"}}\n'
    return validate(pack("topic: timing\ntips:\n" + body), coverage=False)


def test_quoted_words_opening_a_sentence_are_rejected_and_introduced_ones_pass() -> None:
    bad = tip_problems("Ask for what you want. “I'd love a hug” is easy to act on.")
    assert bad[0] == ("pack.yaml:3: tip 'timing.01' text: “I'd love a hug” opens a sentence; quote marks are silent, "
                      "so introduce it (try saying: …)")
    assert tip_problems("“Go on” keeps them talking.", more="It helps.") != []
    assert tip_problems("Ask for what you want, something like: “I'd love a hug.”") == []
    assert tip_problems("Thank them, and try saying: “I'm glad you told me.”") == []
    # A second quote right after a quoted question continues the same instruction.
    assert tip_problems("Then ask: “Did I get it?” “Is there more?”") == []


def test_a_quote_after_a_bare_colon_is_rejected_and_one_after_a_speaking_verb_passes() -> None:
    # Aloud the quote marks vanish: "call a break: I'm getting heated" sounds like the coach is heated.
    bad = tip_problems("If voices rise, call a break: “I'm getting heated.”", more="Own it plainly — “I'm sorry.”")
    assert bad == [
        "pack.yaml:3: tip 'timing.01' text: “I'm getting heated.” follows a bare colon or dash, so it sounds like "
        "the coach's own words; put a speaking verb right before it (you could say: …)",
        "pack.yaml:3: tip 'timing.01' more: “I'm sorry.” follows a bare colon or dash, so it sounds like "
        "the coach's own words; put a speaking verb right before it (you could say: …)",
    ]
    assert tip_problems("For example: “I feel swamped.”") != []
    assert tip_problems("If voices rise, call a break. You could say: “I'm getting heated.”", more="Own it. Say, “I'm sorry.”") == []
    assert tip_problems("Ask it plainly, something like: “How would you like me to raise it?”") == []
    assert tip_problems("Then ask: “Did I get that right?”", try_="Try saying: “Go on.”") == []


def test_a_quote_inside_a_sentence_needs_a_speaking_word_before_it() -> None:
    # Aloud the quote marks vanish: "add “and another thing”" sounds like the coach adding another thing,
    # and "swap “but” for “and”" blurs into a muddle of small words.
    bad = tip_problems("One topic at a time. It's tempting to add “and another thing.”", try_="Swap one “but” for “and”.")
    assert [b for b in bad if "no speaking word" in b] == [
        "pack.yaml:3: tip 'timing.01' text: “and another thing.” has no speaking word before it, so aloud it "
        "blurs into the coach's own words; rephrase without quoting, or introduce it (like saying …)",
        "pack.yaml:3: tip 'timing.01' try: “but” has no speaking word before it, so aloud it "
        "blurs into the coach's own words; rephrase without quoting, or introduce it (like saying …)",
        "pack.yaml:3: tip 'timing.01' try: “and” has no speaking word before it, so aloud it "
        "blurs into the coach's own words; rephrase without quoting, or introduce it (like saying …)",
    ]
    assert tip_problems("Show you're with them, like a nod or a quiet “go on.”") != []
    assert tip_problems("One topic at a time. It's tempting to bring up one more complaint.") == []
    assert tip_problems("Invite a story, like saying: “Tell me about your afternoon.”") == []
    assert tip_problems("Then ask: “Did I get it?” “Is there more?”") == []


def test_a_quote_the_sentence_goes_on_after_is_rejected() -> None:
    # Aloud nobody hears where the quote ends (the blind read's most common fault after bare colons).
    for line in ("Saying “Let's leave it there. Thanks for talking” ends things well.",
                 "Saying something like “I'd love a hug” is easy to act on.",
                 "If your partner says “not now” to a hug, take it kindly."):
        bad = tip_problems(line)
        assert len(bad) == 1 and "inside a sentence that goes on after it" in bad[0], bad
    assert tip_problems("End kindly. You could say: “Let's leave it there. Thanks for talking.”") == []
    assert tip_problems("Ask for it plainly. Try saying: “I'd love a hug when I get home.”") == []


def test_british_spellings_are_rejected_with_the_american_form() -> None:
    bad = tip_problems("Sit on the sofa together.", more="Practising helps, so apologise quickly.")
    assert bad == [
        "pack.yaml:3: tip 'timing.01' text: British spelling 'sofa' → 'couch'",
        "pack.yaml:3: tip 'timing.01' more: British spelling 'practising' → 'practicing'",
        "pack.yaml:3: tip 'timing.01' more: British spelling 'apologise' → 'apologize'",
    ]
    assert tip_problems("Sit on the couch together.", more="Practicing helps, with the emphasis on kindness.") == []


@pytest.mark.parametrize(
    ("bad", "good"),
    [
        ("Nod and say mm now and then.", "Nod and say yeah now and then."),
        ("Wait until they have wound down.", "Wait until they've finished, even about an old wound."),
        ("Notice when they feel content.", "Notice the content of what they say, and when they feel at peace."),
        ("Pushing can close the door.", "Sit close, and shut the laptop."),
        ("Use I statements.", "Use sentences that start with I."),
        ("After a row, wait.", "After an argument, wait, even three days in a row."),
    ],
)
def test_words_a_voice_misreads_are_rejected(bad: str, good: str) -> None:
    problems = tip_problems(bad)
    assert len(problems) == 1 and "pack.yaml:3: tip 'timing.01' text: '" in problems[0]
    assert tip_problems(good) == []


@pytest.mark.parametrize("bad", ["Spend $20 on a date.", "Agree 50/50.", "Talk for 5 minutes.", "Try small things, e.g. a walk.", "Tea & a talk."])
def test_digits_symbols_and_abbreviations_are_rejected(bad: str) -> None:
    assert tip_problems(bad)
    assert tip_problems("Spend twenty dollars on a date, or half each, for five minutes.") == []


def test_placeholders_are_not_digits_or_symbols() -> None:
    library = pack('prompts:\n  time_left: ["{amount} left.", "You have {amount}.", "About {amount} to go."]\n')
    assert validate(library, coverage=False) == []


def test_a_say_instruction_must_name_a_command_heard_where_it_is_said(rules: CommandRules) -> None:
    paused = 'prompts:\n  paused: ["Paused. Say resume when ready.", "Paused. Say coach, resume to go on.", "Say coach, fly me to the moon."]\n'
    problems = validate(pack(paused), coverage=False, commands=rules)
    assert problems == [
        "pack.yaml:2: prompt 'paused': 'say resume': a bare 'resume' isn't heard here (in the exercise); say 'coach, resume'",
        "pack.yaml:2: prompt 'paused': 'say coach, fly me': the coach doesn't understand that; name a command it knows",
    ]
    fixed = 'prompts:\n  paused: ["Paused. Say coach, resume when ready.", "Say coach, resume, or coach, stop to end.", "Paused."]\n'
    assert validate(pack(fixed), coverage=False, commands=rules) == []
    # The second command after "or" is checked too.
    either = 'prompts:\n  time_out: ["Say coach, resume, or coach, dance a jig.", "Stopped.", "Time out."]\n'
    assert len(validate(pack(either), coverage=False, commands=rules)) == 1


def test_a_coach_line_may_ask_for_a_follow_up_without_the_wake_word(rules: CommandRules) -> None:
    lines = 'lines:\n  nothing_more:\n    - "Say another one for a fresh one."\n    - "Say save that one when you like it."\n    - "Say back what you heard."\n'
    assert validate(pack(lines), coverage=False, commands=rules) == [
        "pack.yaml:2: line 'nothing_more': 'say save that one': a bare 'save that one' isn't heard here "
        "(a moment after a reply); say 'coach, save that one'"
    ]


def test_every_say_in_the_shipped_prompts_and_lines_works(shipped: Library, rules: CommandRules) -> None:
    from voice_coach.content.spoken import command_problems, say_phrases

    said = [(key, phrase) for table in (shipped.prompts, shipped.lines) for key, variants in table.items()
            for v in variants for phrase in say_phrases(v)]
    assert ("paused", "coach, resume") in said and len(said) >= 15
    for key, variants in shipped.prompts.items():
        assert all(command_problems(v, rules, exercise=True) == [] for v in variants), key


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real `voice-coach` command, in a child process with its own data and config folders."""
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], env=env, capture_output=True, text=True, timeout=120)


def test_content_stats_counts_what_a_user_would_check(env: dict[str, str]) -> None:
    result = _cli(env, "content", "--stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    starters, tips = stats["starters"], stats["tips"]
    assert starters["total"] >= 1000 and tips["total"] >= 110
    assert set(starters["by_category"]) == set(CATEGORIES)
    for category, row in starters["by_category"].items():
        assert all(row[depth] > 0 for depth in DEPTHS), f"{category} lacks a depth: {row}"
        assert row["total"] == sum(row[depth] for depth in DEPTHS)
        assert row["situation"] == (category in SITUATIONS)
    assert starters["everyday"]["total"] + starters["situations"]["total"] == starters["total"]
    assert all(row["follow_ups"] > 0 for row in starters["by_category"].values())
    assert set(tips["by_topic"]) == set(TOPICS)
    assert tips["with_more"] == tips["with_try"] == tips["total"]
    assert stats["prompts"]["keys"] > 0 and min(stats["prompts"]["by_key"].values()) >= 3
    library = load_library()
    assert starters["total"] == len(library.starters) and tips["total"] == len(library.tips)


def test_content_stats_table_matches_the_json(env: dict[str, str]) -> None:
    table = _cli(env, "content", "--stats")
    assert table.returncode == 0, table.stderr
    stats = json.loads(_cli(env, "content", "--stats", "--json").stdout)
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in table.stdout.splitlines() if line.startswith("| ")}
    for row in stats["starters"]["by_category"].values():
        assert rows[row["name"]] == [str(row[d]) for d in DEPTHS] + [str(row["total"]), str(row["follow_ups"])]
    assert f"{stats['starters']['total']} conversation starters" in table.stdout
    assert f"{stats['tips']['total']} tips" in table.stdout


def test_content_stats_and_check_cannot_be_combined(env: dict[str, str]) -> None:
    result = _cli(env, "content", "--stats", "--check")
    assert result.returncode != 0
    assert "not allowed" in result.stderr and "Traceback" not in result.stderr
