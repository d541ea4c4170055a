from widgets.quiz import model as quiz

_q = quiz.Question("Which?", (quiz.Option("a", True, "because"), quiz.Option("b", False, "no")))

EXAMPLES = {
    "answer": {"question": _q, "choice": 1},
}
