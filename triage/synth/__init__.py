"""A synthetic city of missing children: notifications to feed the service, and the hidden
truth (true identities, true risk, outcomes) to measure it against. No real child's data.

    from triage.synth import generate_city, calibrate, write_city
    city = generate_city(months=12, seed=7)
    for row in calibrate(city):
        print(row.figure, row.generated, row.target, row.within())
    write_city(city, Path("data/synthetic"))

See docs/synthetic-city.md for every assumption and its source.
"""

from triage.synth.calibration import CalibrationRow, calibrate
from triage.synth.city import ChildTruth, EpisodeTruth, SyntheticCity, generate_city
from triage.synth.writer import write_city

__all__ = [
    "CalibrationRow",
    "ChildTruth",
    "EpisodeTruth",
    "SyntheticCity",
    "calibrate",
    "generate_city",
    "write_city",
]
