"""The talent marketplace and guidance (issue 8): job postings, candidate profiles from
evidence, matching both ways, gaps and learning recommendations, workforce tools."""

from lerkit.services.market.resolver import Resolved, SkillResolver
from lerkit.services.market.service import MarketService

__all__ = ["MarketService", "Resolved", "SkillResolver"]
