"""The autoscaler: FKO's scaling algorithm as pure functions over metric windows.

`decide.autoscale` is the entry point; the collector that samples Flink
(`services/job_metrics.py`) and the loop that applies overrides
(`operator/autoscaling.py`) live outside, as adapters.
"""
