"""Request fields the OpenAI-compatible and REST routes share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rag.errors import FilterError, QuestionError
from rag.filters import Filters
from rag.question import asked


class RequestFilters(BaseModel):
    """Which articles to draw on, as `rag ask --source/--since/--until` and the page's restriction say it."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="Only articles from this outlet (case-insensitive).")
    since: str | None = Field(None, description="Only articles published on or after YYYY[-MM[-DD]].")
    until: str | None = Field(None, description="Only articles published on or before YYYY[-MM[-DD]].")
    article_ids: list[str] = Field(default_factory=list, description="Only these articles (ids from /api/v1/articles).")

    def filters(self, prefix: str = "filters.") -> Filters | None:
        """As `Filters` (None: every article); a date that is not ISO is a 400 naming the field as the
        client sent it: `filters.since` in a JSON body, `since` as a query parameter (prefix "")."""
        try:
            chosen = Filters(
                article_ids=tuple(self.article_ids),
                source=(self.source or "").strip() or None,
                published_from=(self.since or "").strip() or None,
                published_to=(self.until or "").strip() or None,
            )
        except FilterError as exc:
            raise FilterError(
                prefix + str(exc).replace("published_from", "since").replace("published_to", "until")
            ) from None
        return chosen or None


def filters_of(given: RequestFilters | None) -> Filters | None:
    return given.filters() if given else None


def question_of(text: str, field: str) -> str:
    """The question in `text` (`rag.question.asked`); one that is empty or too long is a 400 that names
    the request field it came in, as a validation error does ("question: the question is empty: ...")."""
    try:
        return asked(text)
    except QuestionError as exc:
        raise QuestionError(f"{field}: {exc}") from None
