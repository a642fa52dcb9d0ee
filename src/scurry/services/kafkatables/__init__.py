"""Kafka topics as Flink SQL tables: schemas from Schema Registry, options for Flink's connector.

The seam to the SQL engine is `services.cmf.kafka_sql.kafka_sql_setup`; beneath it
`services.cmf.catalog_access.environment_tables`
(what an environment sees, secrets resolved), `tables.derive` (one database),
`ddl.register_ddl` / `ddl.create_table_ddl` (the statements to run) and
`connectors.explain` (the jars that are missing).
"""
