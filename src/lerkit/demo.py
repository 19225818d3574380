"""A realistic demo Open Badge, used by the tour, the benchmark and tests.

About 3-4 KB signed: issuer profile, an achievement with criteria, three skill alignments
(ESCO), a result description and result, evidence, a hashed-email identifier and a
revocation status entry.
"""

from __future__ import annotations

from datetime import datetime

from lerkit.core.model.ob3 import (
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    Evidence,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    hashed_email_identity,
)
from lerkit.core.status import status_entry
from lerkit.core.types import JsonObject

DEMO_STATUS_LIST_URL = "https://example.org/status/1"
DEMO_ACHIEVEMENT_ID = "https://example.org/achievements/data-analysis-fundamentals"


def demo_badge(
    *,
    issuer_did: str,
    subject_did: str,
    credential_id: str,
    valid_from: datetime,
    status_index: int = 42,
    email: str = "ada@example.org",
    salt: str = "demo-salt-3d2f",
    status_list_url: str = DEMO_STATUS_LIST_URL,
) -> JsonObject:
    """An unsigned OB 3.0 OpenBadgeCredential issued by ``issuer_did`` to ``subject_did``."""
    alignments = (
        Alignment(
            target_name="analyse big data",
            target_url="http://data.europa.eu/esco/skill/47a49cd6-097d-457a-9f7b-c290c14930d5",
            target_code="S2.7.1",
            target_framework="ESCO",
            target_type="CFItem",
            target_description="Collect and evaluate numerical data in large quantities.",
        ),
        Alignment(
            target_name="use spreadsheets software",
            target_url="http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be",
            target_code="S5.6.1",
            target_framework="ESCO",
            target_type="CFItem",
        ),
        Alignment(
            target_name="perform data analysis",
            target_url="http://data.europa.eu/esco/skill/2b92a5b2-6758-4ee3-9fb4-b6387a55cc8f",
            target_code="S2.7.2",
            target_framework="ESCO",
            target_type="CFItem",
        ),
    )
    achievement = Achievement(
        id=DEMO_ACHIEVEMENT_ID,
        name="Data Analysis Fundamentals",
        description=(
            "Awarded to learners who clean, explore and summarise real data sets and "
            "communicate what they found."
        ),
        criteria=Criteria(
            id="https://example.org/achievements/data-analysis-fundamentals/criteria",
            narrative=(
                "1. Complete the six course modules.\n"
                "2. Clean and analyse a public data set of at least 10,000 rows.\n"
                "3. Present the findings in a written report, graded 70 or better."
            ),
        ),
        achievement_type="Badge",
        image=Image(id="https://example.org/achievements/data-analysis-fundamentals/image.png"),
        alignment=alignments,
        result_description=(
            ResultDescription(
                id="https://example.org/achievements/data-analysis-fundamentals/results/report",
                name="Final report grade",
                result_type="Percent",
                value_min="0",
                value_max="100",
                required_value="70",
            ),
        ),
        tag=("data", "analysis", "spreadsheets"),
        in_language="en",
    )
    subject = AchievementSubject(
        id=subject_did,
        achievement=achievement,
        identifier=(hashed_email_identity(email, salt),),
        result=(
            Result(
                result_description=achievement.result_description[0].id,
                value="88",
                status="Completed",
            ),
        ),
    )
    credential = OpenBadgeCredential(
        id=credential_id,
        issuer=Profile(
            id=issuer_did,
            name="Example Institute of Technology",
            url="https://example.org",
            email="registrar@example.org",
            description="A fictional school that issues demo badges.",
        ),
        valid_from=valid_from,
        name="Data Analysis Fundamentals",
        description="Open Badge for completing Data Analysis Fundamentals.",
        credential_subject=subject,
        evidence=(
            Evidence(
                id="https://example.org/portfolio/ada/data-report",
                name="Final report",
                narrative="An analysis of 25,000 rows of public transport data.",
                genre="Report",
            ),
        ),
        credential_status=(status_entry(status_list_url, status_index, "revocation"),),
    )
    return credential.to_json()
