"""Seed 002: "Learning is weakest when actions are vague ('remind staff') or when there is no
verification step." A hint for the action form, never a refusal."""

import re

# Words that name a reminder rather than a change in practice.
_VAGUE = re.compile(
    r"\b(remind(?:er|ed|ing)?|re-?iterate|reinforce|highlight|raise awareness|make (?:staff|"
    r"everyone|the team) aware|circulate|cascade|email (?:staff|the team|everyone)|"
    r"discuss(?:ed)? (?:at|in) (?:the )?team meeting)\b",
    re.IGNORECASE,
)
VAGUE_HINT = (
    "This action may be too vague to change practice: it reminds people rather than saying "
    "what will change, and nothing says how you will know it worked. Say what will be done "
    "differently, and add completion criteria (for example “a re-audit of 10 records in 4 "
    "weeks shows 90% met”)."
)


def vague_action_hint(what: str, completion_criteria: str) -> str | None:
    """The hint when an action only reminds people and has no completion criteria.

    >>> vague_action_hint("Remind staff to record consent", "") is not None
    True
    >>> vague_action_hint("Remind staff to record consent", "Re-audit 10 records") is None
    True
    >>> vague_action_hint("Add a consent step to the assessment form", "") is None
    True
    """
    if completion_criteria.strip():
        return None
    if not _VAGUE.search(what):
        return None
    return VAGUE_HINT
