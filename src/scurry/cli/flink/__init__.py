"""`scurry flink ...`: the CMF management plane, with the commands of `confluent flink` on-prem.

One module per resource, each a typer group registered here. Compute pools,
statements and catalogs join the same way (a module with a typer `app`, added
in `group.py`).
"""
