EXAMPLES = {
    "assess_readiness": {"expected_level": 7, "evidence": [True] * 4 + [False] * 5},
    "error_rate_interval": {"errors_found": 11, "sample_reviewed": 300, "confidence": 0.95},
    "automation_plan": {"error_rate": 0.04, "tasks_per_month": 400, "acceptable_error_rate": 0.03,
                        "review_minutes": 6, "catch_rate": 0.9, "manual_minutes": 45},
    "residual_error_curve": {"error_rate": 0.04, "catch_rate": 0.9, "points": 11},
    "simulate_automation": {"tasks_per_month": 400, "errors_found": 11, "sample_reviewed": 300,
                            "acceptable_error_rate": 0.03, "review_minutes": 6,
                            "catch_rate": 0.9, "manual_minutes": 45, "confidence": 0.95},
}
