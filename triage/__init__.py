"""Risk triage for police notifications about missing children.

The flow of a notification, by package:

    notification/  the contract: what police send, validated at the edge
    intake/        accept, update or reject each record (one transaction per record)
    quarantine/    rejected records, kept with their errors for a person to fix and replay
    identity/      which child a notification is about (never a silent fuzzy merge)
    history/       the child's history features as of any notification
    store/         the database: tables, migrations, the one place transactions are owned
    synth/         a synthetic city of children and episodes, with hidden ground truth
    api/           the HTTP service
    cli.py         the `triage` command
"""

__version__ = "0.1.0"
