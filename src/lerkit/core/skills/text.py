"""Text normalization for skill labels: tokens, a light stemmer, aliases (pure)."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9]+)*[+#]*")
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s[-•*·]\s|\u2022")

# Abbreviations people write for words that framework labels spell out.
ALIASES: dict[str, str] = {
    "ms": "microsoft",
    "msft": "microsoft",
    "mgmt": "management",
    "mngmt": "management",
    "admin": "administration",
    "dev": "development",
    "devs": "developers",
    "eng": "engineering",
    "js": "javascript",
    "ts": "typescript",
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "nlp": "natural language processing",
    "db": "database",
    "dbs": "databases",
    "k8s": "kubernetes",
    "pm": "project management",
    "hr": "human resources",
    "ux": "user experience",
    "ui": "user interface",
    "qa": "quality assurance",
    "cs": "customer service",
    "gcp": "google cloud platform",
    "aws": "amazon web services",
    "powerpoint": "powerpoint",
    "excel": "excel",
    "postgres": "postgresql",
}

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "me",
        "more",
        "most",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "out",
        "over",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "within",
        "would",
        "you",
        "your",
        "also",
        "other",
        "all",
        "any",
        "each",
        "both",
        "etc",
        "able",
        "ability",
        "new",
        "good",
        "strong",
        "excellent",
        "must",
        "well",
        "including",
        "include",
        "includes",
        "related",
        "skills",
        "skill",
        "experience",
        "knowledge",
        "years",
        "year",
    ]
)


def fold(text: str) -> str:
    """Lowercase, strip accents, unify quotes and dashes."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")


def tokens(text: str) -> list[str]:
    """Word tokens of ``text`` (folded); keeps ``c++``, ``c#``, ``node.js``."""
    return _TOKEN.findall(fold(text))


def key(text: str) -> str:
    """The exact-match key of a label: its tokens joined by one space."""
    return " ".join(tokens(text))


def expand(toks: list[str]) -> list[str]:
    """Tokens with abbreviations spelled out (``ms excel`` -> ``microsoft excel``)."""
    out: list[str] = []
    for t in toks:
        out.extend(ALIASES.get(t, t).split())
    return out


_SUFFIXES = (
    "izations",
    "ization",
    "isations",
    "isation",
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ities",
    "ity",
    "ies",
    "ied",
    "ers",
    "er",
    "es",
    "ed",
    "al",
    "s",
)


def stem(token: str) -> str:
    """A light suffix-stripping stem: manage/management/managing -> manag."""
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith(("ss", "us", "is")):
        return token
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            break
    if token.endswith("e") and len(token) > 4:
        token = token[:-1]
    return token


def stems(toks: list[str]) -> list[str]:
    return [stem(t) for t in toks]


def stem_key(text: str) -> str:
    """The stemmed key of a label, without stopwords (word order kept)."""
    return " ".join(stem(t) for t in expand(tokens(text)) if t not in STOPWORDS)


def sentences(text: str) -> list[str]:
    """Split free text into sentences, list items and lines."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
