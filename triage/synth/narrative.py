"""The free text police write: circumstances, where the child was last seen and found.

Sentences are short and synthetic. Some mention a taxi, a hotel, an older man or a new phone
without the matching indicator being ticked, as real notes do; the rules that suggest
indicators from text are tested against that. A few such words appear in harmless sentences
too (a taxi home paid for by carers), so suggestions have false positives to show.
"""

from __future__ import annotations

import numpy as np

_LEFT_HOME = (
    "Left home after an argument with {carer} and did not come back.",
    "Did not return home from school.",
    "Went out to see friends and did not come back by the agreed time.",
    "Left the house late in the evening without saying where {pronoun} was going.",
    "Not in {possessive} bedroom this morning; bed not slept in.",
    "Went to the shop and did not come back.",
)
_LEFT_PLACEMENT = (
    "Left the placement after an argument with staff.",
    "Did not return to the placement after school.",
    "Absconded from the placement during the evening.",
    "Failed to return from family contact.",
    "Left the placement through a window after staff checks.",
    "Went out with friends from the placement and did not return by curfew.",
)
_HINTS = {
    "cse": (
        "Seen getting into a taxi outside the address.",
        "Believed to be with an older man {pronoun} met online.",
        "Has been seen with a new phone that carers did not buy.",
        "Friends say {pronoun} has been staying at a hotel in the city centre.",
        "Picked up by a car driven by an adult carers do not know.",
        "Has been coming back with new clothes and gifts.",
    ),
    "cce": (
        "Carers found a second phone in {possessive} room.",
        "Had a large amount of cash the last time {pronoun} returned.",
        "Believed to be travelling by train to another town.",
        "Friends say {pronoun} has been selling for older boys.",
        "Was found in another city the last time {pronoun} went missing.",
    ),
    "none": (
        "Came back by taxi paid for by {possessive} carers last time.",
        "Had been arguing with {possessive} mother about a new phone.",
        "Said {pronoun} was going to a party at a friend's house.",
    ),
}
_RETURNS = (
    # (a sentence about the return, where police record the child was found)
    ("Returned of {possessive} own accord.", "Home address"),
    ("Returned to the placement of {possessive} own accord.", "Placement address"),
    ("Found by police at a friend's address.", "Friend's address"),
    ("Brought back by police from the city centre.", "City centre"),
    ("Located by carers at the bus station.", "Bus station"),
    ("Returned by taxi late at night.", "Home address"),
    ("Found by police in another area and brought back.", "Another area"),
    ("Walked into a police station and asked to be taken back.", "Police station"),
    ("Walked back in and would not say where {pronoun} had been.", "Home address"),
)
_SEEN_AT_HOME = ("Home address", "School", "Friend's address", "City centre", "Local park")
_SEEN_AT_PLACEMENT = (
    "Placement address",
    "School",
    "City centre",
    "Family contact",
    "Outside the placement",
)

_PRONOUNS = {"female": ("she", "her"), "male": ("he", "his")}


def _words(sex: str, carer: str) -> dict[str, str]:
    pronoun, possessive = _PRONOUNS.get(sex, ("they", "their"))
    return {"pronoun": pronoun, "possessive": possessive, "carer": carer}


def circumstances(
    rng: np.random.Generator,
    *,
    sex: np.ndarray,
    looked_after: np.ndarray,
    exploitation: np.ndarray,
) -> list[str]:
    """What police wrote at the first report, one text per episode."""
    n = len(sex)
    opening = rng.integers(0, 6, n)
    hint_chance = np.where(exploitation == "none", 0.04, 0.35)
    hinted = rng.random(n) < hint_chance
    hint_pick = rng.integers(0, 6, n)
    carers = np.array(["parents", "mum", "dad", "family"])[rng.integers(0, 4, n)]
    silent = rng.random(n) < 0.05  # some notifications carry no text at all
    out = []
    for i in range(n):
        if silent[i]:
            out.append("")
            continue
        words = _words(str(sex[i]), str(carers[i]))
        pool = _LEFT_PLACEMENT if looked_after[i] else _LEFT_HOME
        text = pool[opening[i] % len(pool)].format(**words)
        if hinted[i]:
            hints = _HINTS[str(exploitation[i])]
            text += " " + hints[hint_pick[i] % len(hints)].format(**words)
        out.append(text)
    return out


def returns(
    rng: np.random.Generator, sex: np.ndarray, looked_after: np.ndarray
) -> tuple[list[str], list[str | None]]:
    """For each episode, a sentence about the return (added to the circumstances on the
    return's record) and the return location; police leave the location blank sometimes."""
    n = len(sex)
    picks = rng.integers(0, len(_RETURNS), n)
    blank = rng.random(n) < 0.15
    notes, places = [], []
    for i in range(n):
        sentence, place = _RETURNS[picks[i]]
        if place == "Placement address" and not looked_after[i]:
            sentence, place = _RETURNS[0]
        elif place == "Home address" and looked_after[i]:
            place = "Placement address"
        notes.append(sentence.format(**_words(str(sex[i]), "")))
        places.append(None if blank[i] else place)
    return notes, places


def last_seen_locations(rng: np.random.Generator, looked_after: np.ndarray) -> list[str | None]:
    """Where the child was last seen; police leave it blank on about one record in ten."""
    n = len(looked_after)
    picks = rng.integers(0, 5, n)
    blank = rng.random(n) < 0.1
    return [
        None if blank[i] else (_SEEN_AT_PLACEMENT if looked_after[i] else _SEEN_AT_HOME)[picks[i]]
        for i in range(n)
    ]
