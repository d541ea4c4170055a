from widgets.budget import model as budget

_PLAN = budget.budget_inputs(**budget.PRESETS["customer-service"].values)

EXAMPLES = {
    "price_sheet": {},
    "model_price": {"model": "GPT-4o"},
    "inference_cost_per_month": {"requests_per_month": 30_000, "tokens_in": 4_500,
                                 "tokens_out": 500, "input_price": 2.5, "output_price": 10.0,
                                 "cached_input_price": 1.25, "cached_share": 0.2,
                                 "batch_discount": 0.5, "batch_share": 0.1},
    "budget_inputs": dict(budget.PRESETS["rag"].values),
    "npv": {"cash_flows": [-1000.0, 300.0, 400.0, 500.0], "annual_rate": 0.08},
    "payback_month": {"cash_flows": [-1000.0, 300.0, 400.0, 500.0]},
    "adoption_ramp": {"months": 36, "max_adoption": 0.8, "months_to_half_adoption": 6,
                      "initial_dip": 0.1},
    "plan_budget": {"inputs": _PLAN},
    "budget_mix": {"result": budget.plan_budget(_PLAN)},
    "tornado": {"inputs": _PLAN, "swing": 0.25},
    "monte_carlo": {"inputs": _PLAN, "value_spread": 0.4, "cost_spread": 0.2,
                    "ramp_spread": 0.5, "n_sims": 200, "seed": 1},
    "underinvestment": {"inputs": _PLAN, "data_cut": 0.5, "change_cut": 0.5},
    "analyse": {"inputs": _PLAN, "swing": 0.25, "value_spread": 0.4, "cost_spread": 0.2,
                "ramp_spread": 0.5, "data_cut": 0.5, "change_cut": 0.5, "n_sims": 200,
                "seed": 1},
}
