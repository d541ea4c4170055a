"""Budget planner: the total cost of a GenAI use case, its value over time, NPV, payback and ROI.

The model, month by month over a horizon (36 months by default):

* **Costs.** Seven lines, each with a one-off amount (booked in month 0) and a monthly amount:
  inference, platform, people, data preparation and governance, evaluation and monitoring,
  change management and training, risk and compliance. Inference is priced from the dated,
  cited price sheet (``widgets.data.load("llm_prices")``)::

      requests(t) = requests_per_month * (1 + monthly_growth) ** (t - 1)
      input $     = tokens_in / 1e6 * ((1 - cached_share) * input price
                                       + cached_share * cached input price)
      output $    = tokens_out / 1e6 * output price
      inference(t) = requests(t) * (input $ + output $)
                     * (1 - batch_share * batch_discount)

  A model with no listed cached price (or batch discount) gets none: cached tokens then cost the
  full input price. Request volume is planned volume; it does not follow adoption.
  People cost ``fte * loaded_cost_per_fte / 12`` a month.

* **Value** follows an adoption ramp shaped like the productivity J-curve (Brynjolfsson, Rock &
  Syverson, AEJ: Macroeconomics 2021): complementary investments come first, so measured value
  starts low, even below zero, and rises. Full value is
  ``users * hours_saved_per_user_month * value_per_hour`` a month; the share realised in month t
  is ``A(t) - initial_dip * (1 - A(t) / max_adoption)``, where adoption
  ``A(t) = max_adoption / (1 + exp(-k * (t - h)))`` is logistic, ``h`` is
  ``months_to_half_adoption`` and ``k = ln(81) / h`` (adoption goes from about 1% to 99% of its
  peak over ``2 h`` months). The dip, a learning cost, fades as adoption grows.

* **Outputs.** Monthly cash flow (value minus cost), NPV at an annual discount rate (converted
  to a monthly rate; month 0 undiscounted), the payback month (from which the cumulative cash
  flow stays at or above zero), and ROI (total value minus total cost, over total cost,
  undiscounted, over the horizon).

* **Uncertainty.** A tornado chart moves each driver by +/- a swing and records the NPV. A Monte
  Carlo multiplies each uncertain driver by an independent triangular factor (mode 1) and gives
  P(ROI > 0). Both run the same vectorised numpy engine on many scenarios at once, so the view
  can refresh them on every change.

**Under-investment (a teaching model).** ``underinvestment`` cuts the data-preparation and
change-management lines (one-off and monthly) and lets the cuts hurt value through two documented
channels: each unit of data cut removes ``DATA_CUT_TO_VALUE`` of it from the value each use
delivers (outputs built on unready data need rework or are not trusted), and each unit of change
cut removes ``CHANGE_CUT_TO_ADOPTION`` of it from peak adoption and stretches the ramp by the cut
(people who are not trained and whose process was not redesigned adopt less, and later). The two
coefficients are assumptions chosen to show the mechanism, not estimates from data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np

from widgets import data
from widgets import validate as v

__all__ = [
    "CHANGE_CUT_TO_ADOPTION",
    "COST_LINES",
    "DATA_CUT_TO_VALUE",
    "PRESETS",
    "REFERENCE_BANDS",
    "UNDERINVESTMENT_NOTE",
    "BudgetAnalysis",
    "BudgetInputs",
    "BudgetMix",
    "BudgetResult",
    "ModelPrice",
    "MonteCarloResult",
    "TornadoBar",
    "UnderinvestmentComparison",
    "adoption_ramp",
    "analyse",
    "budget_inputs",
    "budget_mix",
    "inference_cost_per_month",
    "model_price",
    "monte_carlo",
    "npv",
    "payback_month",
    "plan_budget",
    "price_sheet",
    "tornado",
    "underinvestment",
]

#: Cost lines: key -> label, in the order the planner shows them.
COST_LINES: dict[str, str] = {
    "inference": "Inference (LLM API)",
    "platform": "Platform",
    "people": "People",
    "data": "Data preparation and governance",
    "evaluation": "Evaluation and monitoring",
    "change": "Change management and training",
    "risk": "Risk and compliance",
}

#: Teaching-model coefficients for ``underinvestment`` (assumptions, see the module docstring).
DATA_CUT_TO_VALUE = 0.5
CHANGE_CUT_TO_ADOPTION = 0.5

_MONEY = 1e10  # USD; any single amount above ten billion is a typing error
_LN81 = math.log(81)


# --- prices ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelPrice:
    """One row of the price sheet: USD per 1M tokens, with its date and source."""

    provider: str
    model: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    cached_input_usd_per_mtok: float | None
    batch_discount: float | None
    as_of: str  # ISO date
    source: str  # publisher, title, year
    source_url: str
    status: str  # facts.md tag: C or C2
    caveat: str

    @property
    def cached_price(self) -> float:
        """Cached-input price; the full input price when none is listed."""
        return (self.input_usd_per_mtok if self.cached_input_usd_per_mtok is None
                else self.cached_input_usd_per_mtok)

    @property
    def discount(self) -> float:
        """Batch discount; 0 when none is listed."""
        return 0.0 if self.batch_discount is None else self.batch_discount

    @property
    def citation(self) -> str:
        text = (f"{self.provider} {self.model}: {_usd_price(self.input_usd_per_mtok)} input / "
                f"{_usd_price(self.output_usd_per_mtok)} output per 1M tokens")
        if self.cached_input_usd_per_mtok is not None:
            text += f" (cached input {_usd_price(self.cached_input_usd_per_mtok)})"
        if self.batch_discount is not None:
            text += f", batch discount {self.batch_discount:.0%}"
        text += f"; list price as of {self.as_of}; source: {self.source}"
        if self.status == "C2" and self.caveat:
            text += f". Caveat: {self.caveat}"
        return text


def _usd_price(x: float) -> str:
    """$2.50, $0.075: cents, or tenths of a cent where the list price has them."""
    return f"${x:,.2f}" if round(x, 2) == x else f"${x:,.3f}"


def price_sheet() -> list[ModelPrice]:
    """Every model on the dated price sheet (``datasets/llm_prices.csv``), in file order."""
    df = data.load("llm_prices")
    out = []
    for row in df.itertuples(index=False):
        cached = None if math.isnan(row.cached_input_usd_per_mtok) else float(
            row.cached_input_usd_per_mtok)
        batch = None if math.isnan(row.batch_discount) else float(row.batch_discount)
        out.append(ModelPrice(
            row.provider, row.model, float(row.input_usd_per_mtok),
            float(row.output_usd_per_mtok), cached, batch, row.as_of.date().isoformat(),
            f"{row.source_publisher}, {row.source_title}, {row.source_year}", row.source_url,
            str(row.status), "" if not isinstance(row.caveat, str) else row.caveat))
    return out


def model_price(model: str) -> ModelPrice:
    """The price-sheet row of ``model`` (one of the names in ``price_sheet()``)."""
    sheet = {p.model: p for p in price_sheet()}
    return sheet[v.choice(model, "model", sheet)]


def inference_cost_per_month(requests_per_month: float, tokens_in: float, tokens_out: float,
                             input_price: float, output_price: float, *,
                             cached_input_price: float, cached_share: float = 0.0,
                             batch_discount: float = 0.0, batch_share: float = 0.0) -> float:
    """Monthly LLM API bill in USD.

    Parameters
    ----------
    requests_per_month
        Requests per month, 0 to 10,000,000,000.
    tokens_in, tokens_out
        Input (prompt and retrieved context) and output tokens per request, 0 to 2,000,000.
    input_price, output_price, cached_input_price
        USD per 1M tokens, 0 to 10,000. Pass ``input_price`` as the cached price when the
        provider lists none.
    cached_share
        Share of input tokens served from the prompt cache, 0 to 1.
    batch_discount
        Discount for batch jobs, 0 to 1 (0.5 halves the price); 0 when none is listed.
    batch_share
        Share of requests sent as batch jobs, 0 to 1.
    """
    req = v.number(requests_per_month, "requests_per_month", min=0, max=1e10,
                   unit="requests per month")
    t_in = v.number(tokens_in, "tokens_in", min=0, max=2e6, unit="tokens per request")
    t_out = v.number(tokens_out, "tokens_out", min=0, max=2e6, unit="tokens per request")
    p_in = v.number(input_price, "input_price", min=0, max=10_000, unit="USD per 1M tokens")
    p_out = v.number(output_price, "output_price", min=0, max=10_000, unit="USD per 1M tokens")
    p_cache = v.number(cached_input_price, "cached_input_price", min=0, max=10_000,
                       unit="USD per 1M tokens")
    cache = v.fraction(cached_share, "cached_share")
    discount = v.fraction(batch_discount, "batch_discount")
    batch = v.fraction(batch_share, "batch_share")
    return float(_inference_per_request(t_in, t_out, p_in, p_out, p_cache, cache, discount,
                                        batch) * req)


def _inference_per_request(t_in, t_out, p_in, p_out, p_cache, cache, discount, batch):
    per_request = (t_in * ((1 - cache) * p_in + cache * p_cache) + t_out * p_out) / 1e6
    return per_request * (1 - batch * discount)


# --- the inputs --------------------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetInputs:
    """A validated plan (build it with ``budget_inputs``). Money in USD, time in months."""

    model: str
    users: int
    horizon_months: int
    annual_discount_rate: float
    requests_per_month: float
    monthly_growth: float
    tokens_in: float
    tokens_out: float
    cached_share: float
    batch_share: float
    platform_one_off: float
    platform_monthly: float
    fte: float
    loaded_cost_per_fte: float
    data_one_off: float
    data_monthly: float
    evaluation_one_off: float
    evaluation_monthly: float
    change_one_off: float
    change_monthly: float
    risk_one_off: float
    risk_monthly: float
    hours_saved_per_user_month: float
    value_per_hour: float
    max_adoption: float
    months_to_half_adoption: float
    initial_dip: float
    price: ModelPrice = field(repr=False)

    def replace(self, **changes) -> BudgetInputs:
        """A copy with ``changes``, validated again."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "price"}
        return budget_inputs(**{**values, **changes})


#: The numeric inputs, with their allowed range and unit (min, max, unit).
_RANGES: dict[str, tuple[float, float, str]] = {
    "annual_discount_rate": (0, 0.5, "(a fraction per year)"),
    "requests_per_month": (0, 1e10, "requests per month"),
    "monthly_growth": (-0.2, 0.5, "(a fraction per month)"),
    "tokens_in": (0, 2e6, "tokens per request"),
    "tokens_out": (0, 2e6, "tokens per request"),
    "cached_share": (0, 1, "(a fraction)"),
    "batch_share": (0, 1, "(a fraction)"),
    "platform_one_off": (0, _MONEY, "USD"),
    "platform_monthly": (0, _MONEY, "USD per month"),
    "fte": (0, 10_000, "full-time equivalents"),
    "loaded_cost_per_fte": (0, 10_000_000, "USD per year"),
    "data_one_off": (0, _MONEY, "USD"),
    "data_monthly": (0, _MONEY, "USD per month"),
    "evaluation_one_off": (0, _MONEY, "USD"),
    "evaluation_monthly": (0, _MONEY, "USD per month"),
    "change_one_off": (0, _MONEY, "USD"),
    "change_monthly": (0, _MONEY, "USD per month"),
    "risk_one_off": (0, _MONEY, "USD"),
    "risk_monthly": (0, _MONEY, "USD per month"),
    "hours_saved_per_user_month": (0, 744, "hours per user per month"),
    "value_per_hour": (0, 10_000, "USD per hour"),
    "initial_dip": (0, 1, "(a fraction of full value)"),
}


def budget_inputs(*, model: str, users: int, requests_per_month: float, tokens_in: float,
                  tokens_out: float, hours_saved_per_user_month: float, value_per_hour: float,
                  horizon_months: int = 36, annual_discount_rate: float = 0.08,
                  monthly_growth: float = 0.0, cached_share: float = 0.0,
                  batch_share: float = 0.0, platform_one_off: float = 0.0,
                  platform_monthly: float = 0.0, fte: float = 0.0,
                  loaded_cost_per_fte: float = 0.0, data_one_off: float = 0.0,
                  data_monthly: float = 0.0, evaluation_one_off: float = 0.0,
                  evaluation_monthly: float = 0.0, change_one_off: float = 0.0,
                  change_monthly: float = 0.0, risk_one_off: float = 0.0,
                  risk_monthly: float = 0.0, max_adoption: float = 0.8,
                  months_to_half_adoption: float = 6.0,
                  initial_dip: float = 0.1) -> BudgetInputs:
    """Validate a plan and price its model from the price sheet.

    Parameters
    ----------
    model
        A model on the price sheet (``[p.model for p in price_sheet()]``).
    users
        People who use the assistant at full adoption, 1 to 10,000,000.
    requests_per_month, tokens_in, tokens_out, cached_share, batch_share
        As in ``inference_cost_per_month`` (requests in month 1).
    hours_saved_per_user_month
        Hours a fully adopting user saves a month, 0 to 744.
    value_per_hour
        What an hour saved is worth (loaded hourly cost), USD, 0 to 10,000.
    horizon_months
        Months to plan, 12 to 120.
    annual_discount_rate
        Discount rate for NPV, a fraction per year, 0 to 0.5.
    monthly_growth
        Growth of requests per month, a fraction, -0.2 to 0.5 (0.02 = +2% a month).
    platform_one_off, platform_monthly, data_one_off, data_monthly, evaluation_one_off,
    evaluation_monthly, change_one_off, change_monthly, risk_one_off, risk_monthly
        Cost lines in USD (one-off in month 0; monthly from month 1), 0 to 10,000,000,000.
    fte, loaded_cost_per_fte
        Team size (full-time equivalents, 0 to 10,000) and loaded cost per FTE (USD per
        year, 0 to 10,000,000).
    max_adoption
        Peak share of users who adopt, greater than 0, at most 1.
    months_to_half_adoption
        Months until adoption reaches half its peak, 0.5 to 60.
    initial_dip
        Value lost in month 1 while people learn, as a fraction of full value, 0 to 1.
    """
    price = model_price(model)
    values = {
        "users": v.integer(users, "users", min=1, max=10_000_000, unit="users"),
        "horizon_months": v.integer(horizon_months, "horizon_months", min=12, max=120,
                                    unit="months"),
        "max_adoption": v.number(max_adoption, "max_adoption", min=0, max=1, min_open=True,
                                 unit="(a fraction)"),
        "months_to_half_adoption": v.number(months_to_half_adoption, "months_to_half_adoption",
                                            min=0.5, max=60, unit="months"),
    }
    given = dict(annual_discount_rate=annual_discount_rate,
                 requests_per_month=requests_per_month, monthly_growth=monthly_growth,
                 tokens_in=tokens_in, tokens_out=tokens_out, cached_share=cached_share,
                 batch_share=batch_share, platform_one_off=platform_one_off,
                 platform_monthly=platform_monthly, fte=fte,
                 loaded_cost_per_fte=loaded_cost_per_fte, data_one_off=data_one_off,
                 data_monthly=data_monthly, evaluation_one_off=evaluation_one_off,
                 evaluation_monthly=evaluation_monthly, change_one_off=change_one_off,
                 change_monthly=change_monthly, risk_one_off=risk_one_off,
                 risk_monthly=risk_monthly,
                 hours_saved_per_user_month=hours_saved_per_user_month,
                 value_per_hour=value_per_hour, initial_dip=initial_dip)
    for name, value in given.items():
        lo, hi, unit = _RANGES[name]
        values[name] = v.number(value, name, min=lo, max=hi, unit=unit)
    return BudgetInputs(model=price.model, price=price, **values)


def _check(inputs: object) -> BudgetInputs:
    if not isinstance(inputs, BudgetInputs):
        raise v.InputTypeError("inputs", "inputs must be a plan built with budget_inputs(...) "
                                         f"(got {type(inputs).__name__})")
    return inputs


# --- the engine --------------------------------------------------------------------------------

_DRIVER_NAMES = tuple(f.name for f in fields(BudgetInputs)
                      if f.name not in ("model", "price", "horizon_months"))


def _columns(inputs: BudgetInputs, size: int = 1) -> dict[str, np.ndarray]:
    """Every numeric input as a float column of ``size`` scenarios, plus a value multiplier."""
    cols = {name: np.full(size, float(getattr(inputs, name))) for name in _DRIVER_NAMES}
    cols["value_quality"] = np.ones(size)
    return cols


def _ramp(t: np.ndarray, peak: np.ndarray, half: np.ndarray, dip: np.ndarray) -> np.ndarray:
    k = _LN81 / half
    adoption = peak / (1 + np.exp(-k * (t - half)))
    return adoption - dip * (1 - adoption / peak)


def _engine(cols: dict[str, np.ndarray], price: ModelPrice, horizon: int) -> dict:
    """Cost lines, value and cash flow for S scenarios at once: arrays of shape (S, horizon+1)."""
    def c(name: str) -> np.ndarray:
        return cols[name][:, None]

    size = cols["users"].size
    t = np.arange(1, horizon + 1, dtype=float)[None, :]
    monthly = np.ones((size, horizon))
    per_request = _inference_per_request(
        c("tokens_in"), c("tokens_out"), price.input_usd_per_mtok, price.output_usd_per_mtok,
        price.cached_price, c("cached_share"), price.discount, c("batch_share"))
    lines = {
        "inference": (np.zeros(size), c("requests_per_month") * (1 + c("monthly_growth"))
                      ** (t - 1) * per_request),
        "platform": (cols["platform_one_off"], c("platform_monthly") * monthly),
        "people": (np.zeros(size), c("fte") * c("loaded_cost_per_fte") / 12 * monthly),
        "data": (cols["data_one_off"], c("data_monthly") * monthly),
        "evaluation": (cols["evaluation_one_off"], c("evaluation_monthly") * monthly),
        "change": (cols["change_one_off"], c("change_monthly") * monthly),
        "risk": (cols["risk_one_off"], c("risk_monthly") * monthly),
    }
    costs = {k: np.concatenate([one_off[:, None], run], axis=1)
             for k, (one_off, run) in lines.items()}
    full_value = c("users") * c("hours_saved_per_user_month") * c("value_per_hour")
    share = _ramp(t, c("max_adoption"), c("months_to_half_adoption"), c("initial_dip"))
    value = np.concatenate([np.zeros((size, 1)), full_value * c("value_quality") * share],
                           axis=1)
    total_cost = sum(costs.values())
    cash = value - total_cost
    rate = (1 + c("annual_discount_rate")) ** (1 / 12) - 1
    months = np.arange(horizon + 1, dtype=float)[None, :]
    npv_ = np.sum(cash / (1 + rate) ** months, axis=1)
    cost_sum, value_sum = total_cost.sum(axis=1), value.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(cost_sum > 0, (value_sum - cost_sum) / cost_sum, np.nan)
    return {"costs": costs, "value": value, "cash": cash, "npv": npv_, "roi": roi,
            "total_cost": cost_sum, "total_value": value_sum}


# --- the plan ----------------------------------------------------------------------------------

def npv(cash_flows: Sequence[float], annual_rate: float) -> float:
    """Net present value of monthly cash flows, the first one at month 0 (undiscounted).

    Parameters
    ----------
    cash_flows
        USD per month, month 0 first; 1 to 1,201 finite values.
    annual_rate
        Annual discount rate, a fraction 0 to 1; the monthly rate is
        ``(1 + annual_rate) ** (1 / 12) - 1``.
    """
    flows = v.values(cash_flows, "cash_flows", min=-1e13, max=1e13)
    if flows.size > 1201:
        raise v.InputError("cash_flows", "cash_flows must hold at most 1,201 months "
                                         f"(got {flows.size:,})")
    r = v.number(annual_rate, "annual_rate", min=0, max=1, unit="(a fraction per year)")
    monthly = (1 + r) ** (1 / 12) - 1
    return float(np.sum(flows / (1 + monthly) ** np.arange(flows.size)))


def payback_month(cash_flows: Sequence[float]) -> int | None:
    """First month from which the cumulative cash flow stays at or above zero.

    0 when it never goes negative; None when it is still negative at the end of the horizon.

    Parameters
    ----------
    cash_flows
        USD per month, month 0 first; at least one finite value.
    """
    flows = v.values(cash_flows, "cash_flows", min=-1e13, max=1e13)
    return _payback(np.cumsum(flows))


def _payback(cumulative: np.ndarray) -> int | None:
    # A tolerance of a cent keeps float noise from turning "exactly paid back" into "not yet".
    negative = np.flatnonzero(cumulative < -0.01)
    if negative.size == 0:
        return 0
    last = int(negative[-1])
    return None if last == cumulative.size - 1 else last + 1


def adoption_ramp(months: int, *, max_adoption: float, months_to_half_adoption: float,
                  initial_dip: float = 0.0) -> np.ndarray:
    """Share of full value realised in months 1..``months`` (the J-curve ramp).

    Parameters
    ----------
    months
        Number of months, 1 to 1,200.
    max_adoption
        Peak adoption, greater than 0, at most 1.
    months_to_half_adoption
        Months until adoption reaches half its peak, 0.5 to 60.
    initial_dip
        Value lost in month 1 while people learn, a fraction of full value, 0 to 1.

    Returns
    -------
    numpy.ndarray
        ``months`` values, each at most ``max_adoption`` and possibly below 0 early on.
    """
    n = v.integer(months, "months", min=1, max=1200, unit="months")
    peak = v.number(max_adoption, "max_adoption", min=0, max=1, min_open=True)
    half = v.number(months_to_half_adoption, "months_to_half_adoption", min=0.5, max=60,
                    unit="months")
    dip = v.fraction(initial_dip, "initial_dip")
    return _ramp(np.arange(1, n + 1, dtype=float), np.array(peak), np.array(half),
                 np.array(dip))


@dataclass(frozen=True)
class BudgetResult:
    """A plan's months 0..horizon: cost lines, value and cash flow (USD), and its summary."""

    inputs: BudgetInputs
    costs: dict[str, np.ndarray]  # COST_LINES key -> USD per month, month 0 = one-offs
    value: np.ndarray
    cash_flow: np.ndarray
    npv: float
    roi: float  # NaN when the plan costs nothing
    payback_month: int | None

    @property
    def months(self) -> np.ndarray:
        return np.arange(self.cash_flow.size)

    @property
    def cumulative(self) -> np.ndarray:
        return np.cumsum(self.cash_flow)

    @property
    def total_cost(self) -> float:
        return float(sum(line.sum() for line in self.costs.values()))

    @property
    def total_value(self) -> float:
        return float(self.value.sum())

    @property
    def one_off_cost(self) -> float:
        return float(sum(line[0] for line in self.costs.values()))

    def line_total(self, key: str) -> float:
        """Total of one cost line over the horizon, USD."""
        return float(self.costs[key].sum())

    @property
    def run_cost_per_user_year(self) -> float:
        """Recurring cost per user per year, averaged over the horizon (one-offs excluded)."""
        run = self.total_cost - self.one_off_cost
        return run / (self.inputs.horizon_months / 12) / self.inputs.users


def _result(inputs: BudgetInputs, out: dict) -> BudgetResult:
    costs = {k: line[0] for k, line in out["costs"].items()}
    cash = out["cash"][0]
    return BudgetResult(inputs, costs, out["value"][0], cash, float(out["npv"][0]),
                        float(out["roi"][0]), _payback(np.cumsum(cash)))


def plan_budget(inputs: BudgetInputs) -> BudgetResult:
    """Cost lines, value, cash flow, NPV, payback month and ROI of a plan.

    Parameters
    ----------
    inputs
        A plan from ``budget_inputs``.
    """
    inputs = _check(inputs)
    return _result(inputs, _engine(_columns(inputs), inputs.price, inputs.horizon_months))


# --- BCG 10-20-70 ------------------------------------------------------------------------------

#: The course's mapping of cost lines onto BCG's 10-20-70 heuristic (10% algorithms, 20%
#: technology and data, 70% people and processes). The mapping is ours, not BCG's.
MIX_GROUPS: dict[str, tuple[str, ...]] = {
    "algorithms": ("inference", "evaluation"),
    "technology and data": ("platform", "people", "data"),
    "people and processes": ("change", "risk"),
}
BCG_HEURISTIC = {"algorithms": 0.10, "technology and data": 0.20, "people and processes": 0.70}
BCG_SOURCE = ("BCG's 10-20-70 rule (10% algorithms, 20% technology and data, 70% people and "
              "processes), BCG AI Radar, January 2025. A heuristic, not a law; mapping cost "
              "lines onto it is the course's choice.")


@dataclass(frozen=True)
class BudgetMix:
    """Shares of the total cost per 10-20-70 group, and a plain-words check."""

    shares: dict[str, float]
    message: str

    @property
    def people_and_processes(self) -> float:
        return self.shares["people and processes"]


def budget_mix(result: BudgetResult) -> BudgetMix:
    """Check a plan's cost mix against BCG's 10-20-70 heuristic.

    Flags "people and processes" below half of the budget, far from the heuristic's 70%.

    Parameters
    ----------
    result
        A result from ``plan_budget``.
    """
    if not isinstance(result, BudgetResult):
        raise v.InputTypeError("result", "result must come from plan_budget(...) "
                                         f"(got {type(result).__name__})")
    total = result.total_cost
    shares = {g: (sum(result.line_total(k) for k in keys) / total if total > 0 else 0.0)
              for g, keys in MIX_GROUPS.items()}
    people = shares["people and processes"]
    if people >= 0.5:
        message = (f"People and processes get {people:.0%} of the budget: close to the "
                   "heuristic's 70%.")
    else:
        message = (f"People and processes (change management, training, risk and compliance) "
                   f"get only {people:.0%} of the budget, against about 70% in BCG's 10-20-70 "
                   "heuristic: adoption is likely to be under-funded.")
    return BudgetMix(shares, message)


# --- sensitivity and Monte Carlo ---------------------------------------------------------------

#: Drivers of the tornado chart: label -> inputs moved together.
TORNADO_DRIVERS: dict[str, tuple[str, ...]] = {
    # Value per hour moves NPV exactly as hours saved do (both scale full value), so one bar.
    "Hours saved per user": ("hours_saved_per_user_month",),
    "Peak adoption": ("max_adoption",),
    "Months to half adoption": ("months_to_half_adoption",),
    "Initial dip": ("initial_dip",),
    "Requests per month": ("requests_per_month",),
    "Tokens per request": ("tokens_in", "tokens_out"),
    "Team (FTE)": ("fte",),
    "Platform": ("platform_one_off", "platform_monthly"),
    "Data preparation": ("data_one_off", "data_monthly"),
    "Evaluation and monitoring": ("evaluation_one_off", "evaluation_monthly"),
    "Change management": ("change_one_off", "change_monthly"),
    "Risk and compliance": ("risk_one_off", "risk_monthly"),
    "Discount rate": ("annual_discount_rate",),
}
_CAPPED = {"max_adoption": 1.0, "initial_dip": 1.0, "cached_share": 1.0, "batch_share": 1.0,
           "annual_discount_rate": 0.5}


@dataclass(frozen=True)
class TornadoBar:
    """NPV with one driver moved down (``low``) and up (``high``) by the swing, USD."""

    driver: str
    npv_low: float
    npv_high: float
    base: float

    @property
    def width(self) -> float:
        return abs(self.npv_high - self.npv_low)


def tornado(inputs: BudgetInputs, *, swing: float = 0.25) -> list[TornadoBar]:
    """NPV sensitivity: each driver moved by -/+ ``swing`` (relative), widest bar first.

    Parameters
    ----------
    inputs
        A plan from ``budget_inputs``.
    swing
        Relative change applied to each driver, greater than 0, at most 0.9 (0.25 = +/-25%).
        Fractions such as peak adoption are capped at their maximum.
    """
    inputs = _check(inputs)
    s = v.number(swing, "swing", min=0, max=0.9, min_open=True)
    labels = list(TORNADO_DRIVERS)
    cols = _columns(inputs, 2 * len(labels))
    for i, label in enumerate(labels):
        for name in TORNADO_DRIVERS[label]:
            cap = _CAPPED.get(name, math.inf)
            cols[name][2 * i] *= 1 - s
            cols[name][2 * i + 1] = min(cap, cols[name][2 * i + 1] * (1 + s))
    out = _engine(cols, inputs.price, inputs.horizon_months)["npv"]
    base = plan_budget(inputs).npv
    bars = [TornadoBar(label, float(out[2 * i]), float(out[2 * i + 1]), base)
            for i, label in enumerate(labels)]
    return sorted(bars, key=lambda b: b.width, reverse=True)


#: Monte Carlo groups: which inputs each spread applies to.
_VALUE_DRIVERS = ("hours_saved_per_user_month", "max_adoption")
_COST_DRIVERS = ("requests_per_month", "tokens_in", "tokens_out", "platform_one_off",
                 "platform_monthly", "fte", "data_one_off", "data_monthly",
                 "evaluation_one_off", "evaluation_monthly", "change_one_off", "change_monthly",
                 "risk_one_off", "risk_monthly")
_RAMP_DRIVERS = ("months_to_half_adoption",)


@dataclass(frozen=True)
class MonteCarloResult:
    """NPV and ROI of every simulated scenario, and the headline probabilities."""

    npv: np.ndarray = field(repr=False)
    roi: np.ndarray = field(repr=False)
    seed: int

    @property
    def n_sims(self) -> int:
        return int(self.npv.size)

    @property
    def p_roi_positive(self) -> float:
        """Share of scenarios with ROI above 0 over the horizon."""
        return float(np.mean(self.roi > 0))

    @property
    def p_npv_positive(self) -> float:
        return float(np.mean(self.npv > 0))

    def npv_percentile(self, q: float) -> float:
        """The ``q``-th percentile of NPV (0-100), USD."""
        return float(np.percentile(self.npv, q))


def monte_carlo(inputs: BudgetInputs, *, value_spread: float = 0.4, cost_spread: float = 0.2,
                ramp_spread: float = 0.5, n_sims: int = 2000,
                seed: int = 2025) -> MonteCarloResult:
    """Simulate ``n_sims`` versions of the plan with uncertain drivers (vectorised, seeded).

    Each uncertain input is multiplied by its own triangular factor between ``1 - spread`` and
    ``1 + spread`` with mode 1: value drivers (hours saved, peak adoption, capped at 100%) by
    ``value_spread``, cost drivers (volumes, tokens, team and every cost line) by
    ``cost_spread``, and the months to half adoption by ``ramp_spread``. Prices, users, value
    per hour and the discount rate stay fixed.

    Parameters
    ----------
    inputs
        A plan from ``budget_inputs``.
    value_spread, cost_spread, ramp_spread
        Relative spreads, 0 to 0.95.
    n_sims
        Number of scenarios, 100 to 100,000.
    seed
        Seed of the random generator, 0 to 2**32 - 1.
    """
    inputs = _check(inputs)
    spreads = {
        _VALUE_DRIVERS: v.number(value_spread, "value_spread", min=0, max=0.95),
        _COST_DRIVERS: v.number(cost_spread, "cost_spread", min=0, max=0.95),
        _RAMP_DRIVERS: v.number(ramp_spread, "ramp_spread", min=0, max=0.95),
    }
    n = v.integer(n_sims, "n_sims", min=100, max=100_000)
    seed = v.integer(seed, "seed", min=0, max=2**32 - 1)
    rng = np.random.default_rng(seed)
    cols = _columns(inputs, n)
    for names, spread in spreads.items():
        for name in names:
            if spread > 0:
                cols[name] = cols[name] * rng.triangular(1 - spread, 1, 1 + spread, size=n)
    cols["max_adoption"] = np.minimum(cols["max_adoption"], 1.0)
    cols["months_to_half_adoption"] = np.maximum(cols["months_to_half_adoption"], 0.5)
    out = _engine(cols, inputs.price, inputs.horizon_months)
    return MonteCarloResult(out["npv"], out["roi"], seed)


# --- under-investment ----------------------------------------------------------------------------

@dataclass(frozen=True)
class UnderinvestmentComparison:
    """The plan as entered against the same plan with its data and change budgets cut."""

    full: BudgetResult
    cut: BudgetResult
    data_cut: float
    change_cut: float

    @property
    def cost_saved(self) -> float:
        return self.full.total_cost - self.cut.total_cost

    @property
    def value_lost(self) -> float:
        return self.full.total_value - self.cut.total_value

    @property
    def npv_change(self) -> float:
        return self.cut.npv - self.full.npv


def underinvestment(inputs: BudgetInputs, *, data_cut: float = 0.5,
                    change_cut: float = 0.5) -> UnderinvestmentComparison:
    """What cutting the data and change budgets saves, and what it costs in value.

    A teaching model (see the module docstring): the data lines shrink by ``data_cut`` and each
    use delivers ``1 - DATA_CUT_TO_VALUE * data_cut`` of its value; the change lines shrink by
    ``change_cut``, peak adoption falls to ``1 - CHANGE_CUT_TO_ADOPTION * change_cut`` of the
    plan and the months to half adoption grow by ``1 + change_cut``.

    Parameters
    ----------
    inputs
        A plan from ``budget_inputs``.
    data_cut, change_cut
        Shares cut from the data-preparation and the change-management lines, 0 to 1.
    """
    inputs = _check(inputs)
    d = v.fraction(data_cut, "data_cut")
    ch = v.fraction(change_cut, "change_cut")
    full = plan_budget(inputs)
    cols = _columns(inputs)
    for name in ("data_one_off", "data_monthly"):
        cols[name] = cols[name] * (1 - d)
    for name in ("change_one_off", "change_monthly"):
        cols[name] = cols[name] * (1 - ch)
    cols["value_quality"] = cols["value_quality"] * (1 - DATA_CUT_TO_VALUE * d)
    cols["max_adoption"] = cols["max_adoption"] * (1 - CHANGE_CUT_TO_ADOPTION * ch)
    cols["months_to_half_adoption"] = cols["months_to_half_adoption"] * (1 + ch)
    # Peak adoption can reach 0 only with both coefficient and cut at 1; keep the ramp defined.
    cols["max_adoption"] = np.maximum(cols["max_adoption"], 1e-9)
    # The cut plan as it would run (not re-validated: its ramp may exceed the input range).
    cut_inputs = replace(inputs, **{name: float(cols[name][0]) for name in (
        "data_one_off", "data_monthly", "change_one_off", "change_monthly", "max_adoption",
        "months_to_half_adoption")})
    cut = _result(cut_inputs, _engine(cols, inputs.price, inputs.horizon_months))
    return UnderinvestmentComparison(full, cut, d, ch)


UNDERINVESTMENT_NOTE = (
    "How the under-investment comparison works (a teaching model, not an estimate): cutting "
    "the data-preparation budget leaves outputs that need rework or are not trusted, so each "
    f"use delivers less value (every 10% cut removes {DATA_CUT_TO_VALUE * 10:g}% of it); "
    "cutting the change-management and training budget means fewer people adopt and they adopt "
    f"later (every 10% cut removes {CHANGE_CUT_TO_ADOPTION * 10:g}% of peak adoption and "
    "stretches the ramp by 10%). The coefficients are assumptions chosen to show the mechanism."
)


@dataclass(frozen=True)
class BudgetAnalysis:
    """Everything the planner shows for one plan."""

    result: BudgetResult
    mix: BudgetMix
    tornado: list[TornadoBar]
    monte_carlo: MonteCarloResult
    underinvestment: UnderinvestmentComparison


def analyse(inputs: BudgetInputs, *, swing: float = 0.25, value_spread: float = 0.4,
            cost_spread: float = 0.2, ramp_spread: float = 0.5, data_cut: float = 0.5,
            change_cut: float = 0.5, n_sims: int = 2000, seed: int = 2025) -> BudgetAnalysis:
    """Plan, cost mix, tornado, Monte Carlo and under-investment comparison in one call.

    Parameters are those of ``plan_budget``, ``tornado``, ``monte_carlo`` and
    ``underinvestment``.
    """
    result = plan_budget(inputs)
    return BudgetAnalysis(
        result, budget_mix(result), tornado(inputs, swing=swing),
        monte_carlo(inputs, value_spread=value_spread, cost_spread=cost_spread,
                    ramp_spread=ramp_spread, n_sims=n_sims, seed=seed),
        underinvestment(inputs, data_cut=data_cut, change_cut=change_cut))


# --- presets and reference ranges ----------------------------------------------------------------

@dataclass(frozen=True)
class ReferenceBand:
    """A published cost range to compare a plan with, and its caveat."""

    upfront_low: float | None
    upfront_high: float
    per_user_year_low: float | None
    per_user_year_high: float
    text: str
    caveat: str


_GARTNER_CAVEAT = ("Gartner's chart 'Costs Incurred in Different GenAI Deployment Approaches' "
                   "(Gartner Data & Analytics Summit, Sydney, 2024), as reported by Neowin and "
                   "Tech Monitor; not checked against Gartner's own page, so re-check before "
                   "quoting.")

REFERENCE_BANDS: dict[str, ReferenceBand] = {
    "coding": ReferenceBand(100_000, 200_000, 280, 550,
                            "Gartner (2024): coding assistant US$100K-200K upfront plus "
                            "$280-550 per user per year.", _GARTNER_CAVEAT),
    "rag": ReferenceBand(None, 1_000_000, None, 11_000,
                         "Gartner (2024): RAG document search up to about US$1M upfront plus "
                         "up to $11K per user per year.", _GARTNER_CAVEAT),
}


@dataclass(frozen=True)
class Preset:
    """A use case: its inputs for ``budget_inputs`` and what they rest on."""

    label: str
    values: dict
    note: str
    band: str | None  # key in REFERENCE_BANDS


_ASSUMED = ("Model and prices come from the dated, cited price sheet; every other number "
            "(volumes, tokens, team, cost lines, hours saved, adoption) is an illustrative "
            "assumption for the workshop, not a benchmark.")

PRESETS: dict[str, Preset] = {
    "customer-service": Preset(
        "Customer-service assistant",
        dict(model="Claude 3.5 Haiku", users=200, requests_per_month=250_000, tokens_in=2_000,
             tokens_out=300, monthly_growth=0.01, cached_share=0.5, batch_share=0.0,
             platform_one_off=80_000, platform_monthly=4_000, fte=2,
             loaded_cost_per_fte=150_000, data_one_off=60_000, data_monthly=3_000,
             evaluation_one_off=40_000, evaluation_monthly=3_000, change_one_off=50_000,
             change_monthly=2_000, risk_one_off=30_000, risk_monthly=1_500,
             hours_saved_per_user_month=12, value_per_hour=40, max_adoption=0.8,
             months_to_half_adoption=6, initial_dip=0.1, horizon_months=36,
             annual_discount_rate=0.08),
        "Reply drafts for 200 agents. " + _ASSUMED, None),
    "rag": Preset(
        "Document search (RAG)",
        dict(model="GPT-4o", users=1_000, requests_per_month=210_000, tokens_in=6_000,
             tokens_out=500, monthly_growth=0.02, cached_share=0.3, batch_share=0.0,
             platform_one_off=150_000, platform_monthly=8_000, fte=3,
             loaded_cost_per_fte=160_000, data_one_off=200_000, data_monthly=6_000,
             evaluation_one_off=80_000, evaluation_monthly=5_000, change_one_off=100_000,
             change_monthly=4_000, risk_one_off=60_000, risk_monthly=3_000,
             hours_saved_per_user_month=2.5, value_per_hour=60, max_adoption=0.7,
             months_to_half_adoption=8, initial_dip=0.1, horizon_months=36,
             annual_discount_rate=0.08),
        "Answers from internal documents for 1,000 knowledge workers. " + _ASSUMED, "rag"),
    "coding": Preset(
        "Coding assistant",
        dict(model="Claude Sonnet 4", users=300, requests_per_month=900_000, tokens_in=3_000,
             tokens_out=400, monthly_growth=0.01, cached_share=0.6, batch_share=0.1,
             platform_one_off=100_000, platform_monthly=3_000, fte=1,
             loaded_cost_per_fte=170_000, data_one_off=20_000, data_monthly=1_000,
             evaluation_one_off=30_000, evaluation_monthly=2_000, change_one_off=40_000,
             change_monthly=2_000, risk_one_off=40_000, risk_monthly=1_000,
             hours_saved_per_user_month=6, value_per_hour=90, max_adoption=0.8,
             months_to_half_adoption=4, initial_dip=0.15, horizon_months=36,
             annual_discount_rate=0.08),
        "Code completion and chat for 300 developers. " + _ASSUMED, "coding"),
}
