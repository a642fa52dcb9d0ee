"""Where CMF objects live in the store, and the labels that link what they derive.

CMF kinds are Kubernetes-shaped dicts in the SQL store under internal kind names
that never collide with FKO or core/v1 kinds. Global resources use the empty
namespace; per-environment ones use the environment's name as namespace.
"""

from __future__ import annotations

from scurry.models.cmf import CMF_API_VERSION

ENVIRONMENT = "CmfEnvironment"
APPLICATION = "CmfApplication"
INSTANCE = "CmfApplicationInstance"
SECRET = "CmfSecret"
SECRET_MAPPING = "CmfSecretMapping"
DETACHED_SAVEPOINT = "CmfDetachedSavepoint"
KUBERNETES_CLUSTER = "CmfKubernetesCluster"
KAFKA_CATALOG = "CmfKafkaCatalog"  # global
KAFKA_DATABASE = "CmfKafkaDatabase"  # namespace: the catalog's name

GLOBAL = ""
STORED_API_VERSION = CMF_API_VERSION

# On the FlinkDeployments and FlinkStateSnapshots the services derive.
ENVIRONMENT_LABEL = "cmf.confluent.io/environment"
APPLICATION_LABEL = "cmf.confluent.io/application"

# Flink SQL: compute pools, statements, and each environment's stored default catalog.
COMPUTE_POOL = "CmfComputePool"
STATEMENT = "CmfStatement"
SQL_CATALOG = "CmfSqlCatalog"
POOL_LABEL = "cmf.confluent.io/compute-pool"
STATEMENT_LABEL = "cmf.confluent.io/statement"
