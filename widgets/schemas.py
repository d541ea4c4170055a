"""Column-by-column contracts for every dataset in ``datasets/``.

One description serves three readers: the loader (``widgets.data.load`` applies the dtypes and
checks ranges), the schema tests, and the datasheets in ``datasets/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from widgets.traps import TRAP_KEYS

Kind = Literal["str", "category", "int", "float", "bool", "date"]


@dataclass(frozen=True)
class Column:
    """One column: its type, unit, allowed range and meaning."""

    name: str
    kind: Kind
    description: str
    unit: str = ""
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] | None = None
    ordered: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its file, whether it is synthetic, and its columns in file order."""

    name: str
    synthetic: bool
    title: str
    columns: tuple[Column, ...]
    min_rows: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


INDUSTRIES = (
    "financial services", "retail", "manufacturing", "healthcare",
    "public sector", "telecom", "energy", "technology",
)
USE_CASES = (
    "customer service", "document search (RAG)", "report generation",
    "coding assistant", "marketing content", "design assistant",
)
SPONSORS = ("CIO/IT", "business unit", "CEO/board", "innovation lab")
OUTCOMES = ("scaled to production", "stalled in pilot", "abandoned")
ARMS = ("control", "assisted")
CHANNELS = ("chat", "email", "phone")
CLEANING_STAGES = ("none", "profiling", "cleaning", "modular rollout", "steady state")
STATUS = ("C", "C2")  # facts.md tags allowed in real tables; [U] figures never enter a dataset
QUALIFIERS = ("as stated", "about", "at least", "more than", "fewer than")
FRAMES = ("failure", "success", "context")
EVIDENCE = ("survey", "prediction", "cited estimate", "mixed methods")
CASE_KINDS = ("failure", "course correction", "success", "study")

_source_columns = (
    Column("source_publisher", "str", "Who published the source."),
    Column("source_title", "str", "Title of the cited report, article or page."),
    Column("source_year", "int", "Year the source was published.", min=1990, max=2030),
    Column("source_url", "str",
           "Link to the source (publisher page, or the mirror facts.md names)."),
    Column("status", "category",
           "facts.md tag: C confirmed, C2 confirmed only via a secondary report.",
           categories=STATUS),
    Column("caveat", "str", "What a reader must know before quoting it; required for C2 rows.",
           nullable=True),
)

GENAI_PROJECTS = DatasetSpec(
    name="genai_projects",
    synthetic=True,
    title="Synthetic portfolio of enterprise GenAI projects",
    min_rows=600,
    columns=(
        Column("project_id", "str", "Project identifier, P0001 onwards."),
        Column("industry", "category", "Industry of the sponsoring company.",
               categories=INDUSTRIES),
        Column("use_case", "category", "What the project uses GenAI for.", categories=USE_CASES),
        Column("sponsor", "category", "Who sponsors the project.", categories=SPONSORS),
        Column("trl_expected", "int", "Technology readiness level the sponsor assumed at kick-off.",
               unit="TRL 1-9", min=1, max=9),
        Column("trl_assessed", "int", "Technology readiness level evidenced for this task and "
               "environment.", unit="TRL 1-9", min=1, max=9),
        Column("kpi_defined", "bool", "A business KPI was written down before the build."),
        Column("baseline_measured", "bool", "The KPI's baseline was measured before the pilot."),
        Column("business_owner_involved", "bool", "A named business owner took part in design."),
        Column("budget_planned_usd", "float", "Budget approved for the first 12 months.",
               unit="USD", min=0),
        Column("budget_needed_usd", "float", "Budget the project needed for the first 12 months "
               "(all cost lines, in hindsight).", unit="USD", min=0),
        Column("data_readiness", "int", "Data readiness: 1 not available, 2 available but "
               "unprofiled, 3 profiled with known gaps, 4 cleaned and governed, 5 AI-ready.",
               unit="score 1-5", min=1, max=5),
        Column("pilot_run", "bool", "A bounded pilot with a control group was run before scaling."),
        Column("cross_functional_team", "bool", "IT, business and data people on one team."),
        Column("months_elapsed", "int", "Months from kick-off to the recorded outcome.",
               unit="months", min=1, max=48),
        Column("outcome", "category", "Where the project ended up.", categories=OUTCOMES),
        Column("value_realised_usd", "float", "Annual value realised (cost saved or revenue "
               "added); 0 when none.", unit="USD per year", min=0),
    ),
)

SUPPORT_PILOT = DatasetSpec(
    name="support_pilot",
    synthetic=True,
    title="Synthetic customer-service pilot, one row per ticket",
    min_rows=20_000,
    columns=(
        Column("ticket_id", "int", "Ticket number.", min=1),
        Column("week", "int", "Pilot week.", unit="week", min=1, max=52),
        Column("agent_id", "str", "Agent identifier, A001 onwards."),
        Column("agent_tenure_months", "int", "Agent's tenure at the start of the pilot.",
               unit="months", min=0, max=240),
        Column("arm", "category", "Randomised arm of the agent.", categories=ARMS),
        Column("channel", "category", "Contact channel.", categories=CHANNELS),
        Column("handle_time_min", "float", "Handle time: talk/typing + hold + after-contact work.",
               unit="minutes", min=0.1, max=240),
        Column("resolved_first_contact", "bool", "Resolved on first contact (no repeat within "
               "7 days)."),
        Column("csat", "int", "Post-contact survey score, 1-5 (5 = very satisfied); empty when "
               "the customer did not answer.", unit="score 1-5", nullable=True, min=1, max=5),
        Column("escalated", "bool", "Escalated to a supervisor or second line."),
        Column("ai_suggestion_accepted", "bool", "Agent accepted the AI's suggested reply; empty "
               "in the control arm.", nullable=True),
    ),
)

REPORT_AUTOMATION = DatasetSpec(
    name="report_automation",
    synthetic=True,
    title="Illustrative monthly log of a financial-report automation project",
    min_rows=12,
    columns=(
        Column("month", "int", "Months since kick-off.", unit="month", min=1, max=36),
        Column("data_cleaning_stage", "category", "Stage of the data clean-up.",
               categories=CLEANING_STAGES, ordered=True),
        Column("share_automated", "float", "Share of report content produced automatically.",
               unit="fraction 0-1", min=0, max=1),
        Column("error_rate", "float", "Share of automated content with an error found in review.",
               unit="fraction 0-1", min=0, max=1),
        Column("analyst_hours", "float", "Analyst hours spent on the monthly report.",
               unit="hours per month", min=0),
    ),
)

LLM_PRICES = DatasetSpec(
    name="llm_prices",
    synthetic=False,
    title="Dated LLM API list prices",
    columns=(
        Column("provider", "str", "Model provider."),
        Column("model", "str", "Model name as the provider lists it."),
        Column("input_usd_per_mtok", "float", "List price per 1M input tokens.",
               unit="USD per 1M tokens", min=0),
        Column("output_usd_per_mtok", "float", "List price per 1M output tokens.",
               unit="USD per 1M tokens", min=0),
        Column("cached_input_usd_per_mtok", "float", "Price per 1M cached input tokens, where "
               "listed.", unit="USD per 1M tokens", nullable=True, min=0),
        Column("batch_discount", "float", "Discount for batch jobs, where listed.",
               unit="fraction 0-1", nullable=True, min=0, max=1),
        Column("as_of", "date", "Date (or month) the list price applied."),
        *_source_columns,
    ),
)

FAILURE_SURVEYS = DatasetSpec(
    name="failure_surveys",
    synthetic=False,
    title="Published figures on AI and GenAI project outcomes",
    min_rows=20,
    columns=(
        Column("publisher", "str", "Organisation that published the figure."),
        Column("title", "str", "Title of the report or release."),
        Column("year", "int", "Year of publication.", min=2015, max=2030),
        Column("sample", "str", "Who was asked or studied, and how many."),
        Column("metric", "str", "What the figure measures, in words."),
        Column("qualifier", "category", "How the source bounds the figure ('at least 30%' is "
               "at least, 30).", categories=QUALIFIERS),
        Column("value", "float", "The figure.", min=0),
        Column("unit", "str", "Unit of value: percent, months, or 'count of N' (for example 4 "
               "POCs reaching production out of 33)."),
        Column("definition", "str", "How the source defines failure or success."),
        Column("frame", "category", "What a high value means: more failure, more success, or "
               "neither (context such as adoption).", categories=FRAMES),
        Column("evidence", "category", "Kind of evidence: a survey, an analyst prediction, an "
               "estimate the publisher cites from others, or mixed methods.",
               categories=EVIDENCE),
        Column("source_url", "str", "Link to the source or to the report that carries it."),
        Column("status", "category", "facts.md tag: C confirmed, C2 confirmed only via a "
               "secondary report.", categories=STATUS),
        Column("caveat", "str", "What a reader must know before quoting it; required for C2 rows.",
               nullable=True),
    ),
)

CASE_STUDIES = DatasetSpec(
    name="case_studies",
    synthetic=False,
    title="Real, named GenAI and AI cases",
    min_rows=12,
    columns=(
        Column("year", "int", "Year the case happened or was reported.", min=2010, max=2030),
        Column("organisation", "str", "Organisation named in the case."),
        Column("kind", "category", "A failure, a public course correction, a success, or a "
               "controlled study.", categories=CASE_KINDS),
        Column("what_happened", "str", "What happened, in one or two sentences."),
        Column("key_figures", "str", "The sourced figures of the case."),
        Column("traps", "str", "Primary trap keys, separated by ';' ("
               + ", ".join(TRAP_KEYS) + ")."),
        Column("lesson", "str", "The lesson a team can take from it."),
        *_source_columns,
        Column("other_sources", "str", "Further sources for figures in key_figures, as "
               "'Publisher (year): URL', separated by ' | '.", nullable=True),
    ),
)

SPECS: dict[str, DatasetSpec] = {
    s.name: s
    for s in (GENAI_PROJECTS, SUPPORT_PILOT, REPORT_AUTOMATION, LLM_PRICES, FAILURE_SURVEYS,
              CASE_STUDIES)
}
