"""A small streaming job: a sequence of ids from datagen into CSV files, checkpointed.

The filesystem sink commits files on checkpoints, so the committed output holds
every id exactly once across restarts and upgrades: ids 1..N with no gaps (at
parallelism 1) and no duplicates.

Arguments: --output PATH (default `output`; a relative path is taken under the
cluster's directory, so several jobs on one session cluster can write side by
side), --rows-per-second N (default 20), --end N (default 1000000).
"""

import argparse
import os

from pyflink.table import EnvironmentSettings, TableEnvironment


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="output")
    parser.add_argument("--rows-per-second", type=int, default=20)
    parser.add_argument("--end", type=int, default=1_000_000)
    args, _ = parser.parse_known_args()
    args.output = os.path.join(os.environ.get("SCURRY_CLUSTER_DIR", "."), args.output)
    return args


def main() -> None:
    args = parse_args()
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.execute_sql(
        "CREATE TABLE ids (id BIGINT) WITH ("
        "'connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', "
        f"'fields.id.end' = '{args.end}', 'rows-per-second' = '{args.rows_per_second}')"
    )
    env.execute_sql(
        "CREATE TABLE committed (id BIGINT) WITH ("
        f"'connector' = 'filesystem', 'path' = '{args.output}', 'format' = 'csv')"
    )
    env.execute_sql("INSERT INTO committed SELECT id FROM ids")


if __name__ == "__main__":
    main()
