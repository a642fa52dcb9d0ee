"""Flink SQL executed with PyFlink: the script runner and the SQL session process.

Everything here imports only PyFlink and the standard library (an
import-linter contract says so): the script runner runs inside a Python
process that Flink's PythonDriver starts, the session process is a
separate interpreter the local runtime supervises. Neither knows the
control plane; they receive statements and answer with plain JSON.
"""
