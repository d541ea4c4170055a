"""Generator of ``support_pilot.csv``: a synthetic customer-service pilot, one row per ticket.

Agents are randomised to the control or the assisted arm, stratified by tenure band (half of
each band to each arm), as a real rollout would assign them: every ticket of an agent is in the
agent's arm, so analyses must cluster by agent. The assistant's effect shrinks with tenure, so
resolutions per hour rise about 34% for novices and about 0 for the most experienced, and 14%
on average (Brynjolfsson, Li & Raymond, NBER WP 31161, 2023). Baselines follow the SQM Group
benchmarks and vendor handle-time guides quoted in the kit's fact sheet; every other number
here is a synthetic choice of this kit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from gen_common import markdown_table

from widgets import calibration as cal
from widgets.schemas import CHANNELS

NAME = "support_pilot"
SEED = 3002
N_AGENTS = 128
WEEKS = 8
TICKETS_PER_AGENT_WEEK = 24  # Poisson mean: the tickets sampled for the pilot log

#: Share of agents per tenure band, and the tenure range drawn within it (months).
BAND_SHARE = {"novice": 0.20, "developing": 0.25, "experienced": 0.27, "most experienced": 0.28}
MOST_EXPERIENCED_MEAN_EXTRA, MAX_TENURE = 30, 240  # months above 36, exponential; cap

CHANNEL_SHARE = dict(zip(CHANNELS, (0.50, 0.15, 0.35), strict=True))
#: Mean handle time of a control ticket by an experienced agent (minutes), by channel.
CHANNEL_AHT = dict(zip(CHANNELS, (12.0, 9.0, 7.0), strict=True))
#: First-contact resolution shift by channel (probability points).
CHANNEL_FCR = dict(zip(CHANNELS, (0.0, -0.06, 0.03), strict=True))
#: Survey response probability by channel.
CHANNEL_RESPONSE = dict(zip(CHANNELS, (0.30, 0.22, 0.26), strict=True))

TENURE_SCALE = 8.0  # months: how fast novices catch up with experienced agents
NOVICE_SLOWER = 0.35  # handle time x (1 + 0.35 e^(-t/8))
FCR_EXPERIENCED, NOVICE_FCR_GAP = 0.729, 0.15  # FCR = 0.729 - 0.15 e^(-t/8) + shifts
ESC_BASE, ESC_NOVICE = 0.06, 0.06  # escalation = 0.06 + 0.06 e^(-t/8)
AGENT_SPEED_SD, AGENT_FCR_SD = 0.12, 0.03  # between-agent spread: why analyses cluster
HANDLE_SIGMA = 0.45  # log-normal spread of one ticket's handle time
MIN_HANDLE, MAX_HANDLE = 0.5, 240.0
CENTRE_AGENT_EFFECTS = True

#: The assistant's lift in resolutions per hour for an agent of tenure t months:
#: L(t) = LIFT_NOVICE * exp(-t / LIFT_DECAY_MONTHS); 70% of it comes from shorter handle times,
#: 30% from more first-contact resolutions.
LIFT_NOVICE, LIFT_DECAY_MONTHS = 0.365, 13.0
LIFT_SHARE_TIME = 0.7
ESCALATION_FACTOR = 0.8  # assisted escalation = 0.8 x control
#: P(agent accepts the AI suggestion) = 0.35 + 0.30 e^(-t/12); the effect comes only from
#: accepted suggestions, scaled so each agent's expected lift is L(t).
ACCEPT_BASE, ACCEPT_NOVICE = 0.35, 0.30
#: P(score 5) by ticket fate, and the assisted arm's gain; the rest spread over 1-4.
P_TOP_BOX = {"resolved": 0.86, "unresolved": 0.55, "escalated": 0.40}
TOP_BOX_GAIN = 0.02
LOWER_SCORES = {"resolved": (0.04, 0.06, 0.15, 0.75), "other": (0.15, 0.15, 0.25, 0.45)}


def ai_lift(tenure_months: np.ndarray) -> np.ndarray:
    """Designed lift in resolutions per hour for agents of the given tenure (fraction)."""
    return LIFT_NOVICE * np.exp(-np.asarray(tenure_months, dtype=float) / LIFT_DECAY_MONTHS)


def _agents(rng: np.random.Generator) -> pd.DataFrame:
    counts = {name: round(share * N_AGENTS / 2) * 2 for name, share in BAND_SHARE.items()}
    tenure, band, arm = [], [], []
    for b in cal.TENURE_BANDS:
        k = counts[b.name]
        if b.high is None:
            drawn = b.low + np.round(rng.exponential(MOST_EXPERIENCED_MEAN_EXTRA, k))
        else:
            drawn = rng.integers(b.low, b.high, k)
        drawn = np.sort(np.minimum(drawn, MAX_TENURE)).astype(int)
        # Stratified, pair-matched randomisation: agents of a band are paired by tenure and a
        # coin gives the tool to one agent of each pair, so both arms have the same tenure mix.
        coins = rng.integers(2, size=k // 2)
        pair_arms = np.where(coins[:, None] == 1, [["assisted", "control"]],
                             [["control", "assisted"]]).ravel()
        tenure.extend(drawn)
        band.extend([b.name] * k)
        arm.extend(pair_arms)
    n = len(tenure)
    order = rng.permutation(n)  # agent ids say nothing about tenure or arm
    frame = pd.DataFrame({"agent_tenure_months": np.array(tenure)[order],
                          "band": np.array(band)[order], "arm": np.array(arm)[order]})
    frame.insert(0, "agent_id", [f"A{i:03d}" for i in range(1, n + 1)])
    log_speed = rng.normal(0, AGENT_SPEED_SD, n)
    fcr_shift = rng.normal(0, AGENT_FCR_SD, n)
    if CENTRE_AGENT_EFFECTS:
        # Agent effects average to zero within each band and arm, so the realised lifts match
        # the designed ones up to ticket-level noise; the spread between agents stays.
        groups = frame.groupby(["band", "arm"]).ngroup().to_numpy()
        for g in np.unique(groups):
            log_speed[groups == g] -= log_speed[groups == g].mean()
            fcr_shift[groups == g] -= fcr_shift[groups == g].mean()
    frame["speed"] = np.exp(log_speed)
    frame["fcr_shift"] = fcr_shift
    return frame


def build(seed: int = SEED) -> pd.DataFrame:
    """The pilot log, one row per ticket, in the column order of the schema."""
    rng = np.random.default_rng(seed)
    agents = _agents(rng)
    n_agents = len(agents)
    counts = rng.poisson(TICKETS_PER_AGENT_WEEK, size=(WEEKS, n_agents))
    week = np.repeat(np.repeat(np.arange(1, WEEKS + 1), n_agents), counts.ravel())
    agent_idx = np.repeat(np.tile(np.arange(n_agents), WEEKS), counts.ravel())
    t = agents["agent_tenure_months"].to_numpy()[agent_idx].astype(float)
    assisted = agents["arm"].to_numpy()[agent_idx] == "assisted"
    n = week.size

    channel = rng.choice(np.array(list(CHANNEL_SHARE)), size=n,
                         p=np.array(list(CHANNEL_SHARE.values())))
    novice_weight = np.exp(-t / TENURE_SCALE)
    lift = np.where(assisted, ai_lift(t), 0.0)
    time_factor = (1 + lift) ** -LIFT_SHARE_TIME  # expected handle-time multiplier
    fcr_factor = (1 + lift) ** (1 - LIFT_SHARE_TIME)  # expected FCR multiplier
    p_accept = ACCEPT_BASE + ACCEPT_NOVICE * np.exp(-t / LIFT_DECAY_MONTHS)
    accepted = assisted & (rng.random(n) < p_accept)
    # All of an agent's gain comes through accepted suggestions: scale the per-ticket effect
    # so that its expectation over accepted and declined tickets equals the designed factor.
    time_mult = np.where(accepted, 1 - (1 - time_factor) / p_accept, 1.0)
    fcr_mult = np.where(accepted, 1 + (fcr_factor - 1) / p_accept, 1.0)

    mean_time = (np.array([CHANNEL_AHT[c] for c in channel]) * (1 + NOVICE_SLOWER * novice_weight)
                 * agents["speed"].to_numpy()[agent_idx] * time_mult)
    handle = rng.lognormal(np.log(mean_time) - HANDLE_SIGMA ** 2 / 2, HANDLE_SIGMA)
    handle = np.clip(np.round(handle, 2), MIN_HANDLE, MAX_HANDLE)

    p_esc = (ESC_BASE + ESC_NOVICE * novice_weight) * np.where(assisted, ESCALATION_FACTOR, 1)
    escalated = rng.random(n) < p_esc
    p_fcr = ((FCR_EXPERIENCED - NOVICE_FCR_GAP * novice_weight
              + np.array([CHANNEL_FCR[c] for c in channel])
              + agents["fcr_shift"].to_numpy()[agent_idx]) * fcr_mult)
    # An escalated ticket is not resolved on first contact; drawing the others with
    # p / (1 - p_esc) keeps the designed share of first-contact resolutions.
    resolved = ~escalated & (rng.random(n) < np.clip(p_fcr / (1 - p_esc), 0, 1))

    answered = rng.random(n) < np.array([CHANNEL_RESPONSE[c] for c in channel])
    fate = np.where(escalated, "escalated", np.where(resolved, "resolved", "unresolved"))
    p5 = np.array([P_TOP_BOX[f] for f in fate]) + TOP_BOX_GAIN * assisted
    top = rng.random(n) < p5
    lower_resolved = rng.choice([1, 2, 3, 4], size=n, p=LOWER_SCORES["resolved"])
    lower_other = rng.choice([1, 2, 3, 4], size=n, p=LOWER_SCORES["other"])
    score = np.where(top, 5, np.where(resolved, lower_resolved, lower_other))
    csat = pd.array(np.where(answered, score, 0), dtype="Int64")
    csat[~answered] = pd.NA
    suggestion = pd.array(accepted, dtype="boolean")
    suggestion[~assisted] = pd.NA

    return pd.DataFrame({
        "ticket_id": np.arange(1, n + 1),
        "week": week,
        "agent_id": agents["agent_id"].to_numpy()[agent_idx],
        "agent_tenure_months": agents["agent_tenure_months"].to_numpy()[agent_idx],
        "arm": agents["arm"].to_numpy()[agent_idx],
        "channel": channel,
        "handle_time_min": handle,
        "resolved_first_contact": resolved,
        "csat": csat,
        "escalated": escalated,
        "ai_suggestion_accepted": suggestion,
    })


FLOAT_FORMATS = {"handle_time_min": ".2f"}


def model_markdown(df: pd.DataFrame) -> str:
    """The generating model, with the designed lift by tenure, for the datasheet."""
    def per_channel(values: dict[str, float], spec: str) -> str:
        return ", ".join(f"{c} {format(values[c], spec)}" for c in CHANNELS)

    bands = ", ".join(f"{b.name} ({b.label}) {BAND_SHARE[b.name]:.0%}" for b in cal.TENURE_BANDS)
    equations = "\n".join([
        f"- {N_AGENTS} agents (seed {SEED}); share per tenure band: {bands}; tenure uniform "
        f"within a band, and 36 + exponential(mean {MOST_EXPERIENCED_MEAN_EXTRA}) months (at "
        f"most {MAX_TENURE}) for the most experienced.",
        "- Arm: within each band, agents sorted by tenure are paired and a coin gives the "
        "assistant to one agent of each pair (stratified, pair-matched randomisation per "
        "agent).",
        f"- Agent effects: speed x lognormal(0, {AGENT_SPEED_SD:g}) on handle time and "
        f"normal(0, {AGENT_FCR_SD:g}) on the first-contact-resolution probability"
        + ("; both centred within each band and arm." if CENTRE_AGENT_EFFECTS else "."),
        f"- {WEEKS} weeks; tickets per agent and week ~ Poisson({TICKETS_PER_AGENT_WEEK}); "
        f"channel shares: {per_channel(CHANNEL_SHARE, '.0%')}.",
        "- Novice weight w(t) = exp(-t / " + f"{TENURE_SCALE:g}) for tenure t in months.",
        f"- Control handle time: lognormal with mean ({per_channel(CHANNEL_AHT, 'g')} min) x "
        f"(1 + {NOVICE_SLOWER:g} w(t)) x agent speed, and log-sd {HANDLE_SIGMA:g}; rounded "
        f"to 0.01 min and clipped to {MIN_HANDLE:g}-{MAX_HANDLE:g} min.",
        f"- Escalation: P = {ESC_BASE:g} + {ESC_NOVICE:g} w(t), times {ESCALATION_FACTOR:g} "
        "in the assisted arm; an escalated ticket is never resolved on first contact.",
        f"- First-contact resolution: P = {FCR_EXPERIENCED:g} - {NOVICE_FCR_GAP:g} w(t) + "
        f"channel shift ({per_channel(CHANNEL_FCR, '+g')}) + agent shift.",
        f"- Assistant: designed lift L(t) = {LIFT_NOVICE:g} exp(-t / {LIFT_DECAY_MONTHS:g}) in "
        f"resolutions per hour; expected handle time x (1 + L)^-{LIFT_SHARE_TIME:g} and "
        f"first-contact resolution x (1 + L)^{1 - LIFT_SHARE_TIME:.1f}.",
        f"- A suggestion is accepted with P = {ACCEPT_BASE:g} + {ACCEPT_NOVICE:g} "
        f"exp(-t / {LIFT_DECAY_MONTHS:g}); only accepted suggestions carry the effect, scaled "
        "so the agent's expected lift is L(t).",
        f"- Survey answered with P by channel ({per_channel(CHANNEL_RESPONSE, 'g')}); "
        f"P(score 5) = {P_TOP_BOX['resolved']:g} if resolved, {P_TOP_BOX['unresolved']:g} if "
        f"unresolved, {P_TOP_BOX['escalated']:g} if escalated, + {TOP_BOX_GAIN:g} in the "
        f"assisted arm; other scores 1-4 with P {LOWER_SCORES['resolved']} if resolved, "
        f"else {LOWER_SCORES['other']}.",
    ])
    rows = []
    for months in (0, 2, 6, 12, 24, 36, 60):
        lift = float(ai_lift(np.array([months]))[0])
        rows.append([str(months), f"{lift:+.1%}", f"{(1 + lift) ** -LIFT_SHARE_TIME - 1:+.1%}",
                     f"{(1 + lift) ** (1 - LIFT_SHARE_TIME) - 1:+.1%}",
                     f"{ACCEPT_BASE + ACCEPT_NOVICE * np.exp(-months / LIFT_DECAY_MONTHS):.0%}"])
    table = markdown_table(
        ["tenure (months)", "designed lift in resolutions per hour",
         "handle time (expected)", "first-contact resolution (relative)",
         "suggestions accepted"], rows)
    return equations + "\n\n" + table
