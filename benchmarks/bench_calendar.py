"""Period arithmetic on the State Council calendar for 500 cases: each case's application
deadline (7 working days), decision (1 month), follow-up (3 months) and notice (3 working
days), and the working days left.  The unit suite used to assert this under 2 s; the figure is
printed here instead.  Run by hand:

    .venv/bin/python benchmarks/bench_calendar.py
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

CASES = 500
GOAL = 2.0


def main() -> None:
    from toolkit.calendar import WorkCalendar

    runs = []
    for _ in range(3):
        start = time.perf_counter()
        calendar = WorkCalendar()
        for i in range(CASES):
            event = date(2020, 1, 1) + timedelta(days=4 * i)
            application_due = calendar.add_workdays(event, 7)
            decision_due = calendar.add_months(application_due, 1)
            calendar.add_months(decision_due, 3)
            calendar.add_workdays(decision_due, 3)
            calendar.workdays_left(event, decision_due)
        runs.append(time.perf_counter() - start)
    print(f"{CASES} cases' periods: {statistics.median(runs):.2f} s (goal < {GOAL:.0f} s)")


if __name__ == "__main__":
    main()
