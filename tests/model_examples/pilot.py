EXAMPLES = {
    "sample_size_proportions": {"p_baseline": 0.75, "p_target": 0.80, "alpha": 0.05, "power": 0.8},
    "sample_size_means": {"delta": -1.0, "sd": 6.0, "alpha": 0.05, "power": 0.8},
    "pilot_duration_weeks": {"n_per_arm": 1094, "weekly_contacts": 600.0, "share_in_pilot": 1.0,
                             "share_assisted": 0.5},
    "plan_for_proportion": {"p_baseline": 0.75, "p_target": 0.80, "weekly_contacts": 600.0,
                            "alpha": 0.05, "power": 0.8, "share_in_pilot": 1.0},
}
