"""Panels: the city panel for its most worrying children, and the areas' MASE panels.

ranking.py    children ranked by a child-level risk, each rank explained (weights: rules data)
meetings.py   meetings, agenda items, attendance, decisions, multi-agency actions (audited)
since.py      what changed for a child since the panel last saw them
pack.py       the panel pack as a PDF (WeasyPrint), full or for partner agencies
demo.py       demo meetings for a development service
"""
