"""The autoscaler: FKO's scaling algorithm as pure functions over metric windows.

`decide.autoscale` is the entry point; the collector that samples Flink and the
executor that applies overrides live in the operator.
"""
