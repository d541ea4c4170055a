import pandas as pd

from widgets.kpi import model as kpi

TICKETS = pd.DataFrame({
    "week": [1, 1, 2, 2],
    "channel": ["chat", "phone", "email", "chat"],
    "arm": pd.Categorical(["control", "assisted", "control", "assisted"],
                          categories=["control", "assisted"]),
    "handle_time_min": [10.0, 8.0, 12.0, 6.0],
    "resolved_first_contact": [True, True, False, True],
    "csat": pd.array([5, None, 3, 5], dtype="Int64"),
    "escalated": [False, False, True, False],
})
# baseline, target and window_weeks may be None ("not set"), so the example leaves them unset:
# the bad-number fuzz would otherwise count None as a bad value. tests/test_kpi.py covers them.
_KPI = kpi.make_kpi("Average handle time", definition="Mean of handle_time_min over tickets",
                    unit="minutes per ticket", direction="lower is better", kind="efficiency",
                    owner="Head of service", data_source="ticket system", metric="handle_time")
_TREE = kpi.make_tree("Serve customers faster", [_KPI], "AI-suggested replies")

EXAMPLES = {
    "handle_time_min": {"tickets": TICKETS},
    "first_contact_resolution": {"tickets": TICKETS},
    "csat_top_box": {"tickets": TICKETS},
    "escalation_rate": {"tickets": TICKETS},
    "resolutions_per_hour": {"tickets": TICKETS},
    "compute_metric": {"tickets": TICKETS, "metric": "fcr"},
    "kpis_by": {"tickets": TICKETS, "by": "arm and week"},
    "baseline_from_data": {"tickets": TICKETS, "metric": "resolutions_per_hour", "arm": "control"},
    "make_kpi": {"name": "CSAT top-box", "definition": "Surveys scoring 5 / answered surveys",
                 "unit": "share", "direction": "higher is better", "kind": "quality",
                 "baseline": None, "target": None, "owner": "CX lead", "window_weeks": None,
                 "data_source": "survey tool", "metric": "csat_top_box"},
    "make_tree": {"goal": "Serve customers faster", "drivers": [_KPI],
                  "lever": "AI-suggested replies"},
    "plausibility": {"metric": "handle_time", "baseline": 8.0, "target": 7.5, "direction": None},
    "smart_checks": {"tree": _TREE},
    "tree_markdown": {"tree": _TREE, "checks": None},
}
