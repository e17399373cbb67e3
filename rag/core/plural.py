"""Counts in messages that agree with their noun: "1 chunk written", "2 chunks written".

The nouns are newsdesk's own (article, chunk, source, request...), all regular, so the plural
is the noun with an "s" unless another is given ("1 copy", "2 copies").
"""


def plural(number: int, noun: str, many: str = "") -> str:
    """`noun` as it goes with `number`: itself for 1, else `many` (default: `noun` + "s").

    Example:
        >>> plural(3, "article")
        'articles'
    """
    return noun if number == 1 else many or f"{noun}s"


def counted(number: int, noun: str, many: str = "") -> str:
    """`number` (with thousands separators) and its noun: "1 chunk", "1,204 chunks".

    Example:
        >>> counted(1, "new article")
        '1 new article'
    """
    return f"{number:,} {plural(number, noun, many)}"
