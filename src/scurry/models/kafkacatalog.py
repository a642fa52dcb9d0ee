"""KafkaCatalog and KafkaDatabase, the SQL catalog resources of the CMF API (2.1 and later).

A catalog names a Schema Registry; each of its databases names a Kafka
cluster. CMF 2.0 kept the databases inside the catalog (`spec.kafkaClusters`);
that form is still accepted and each entry becomes a KafkaDatabase.
"""

from __future__ import annotations

from pydantic import Field

from scurry.models.cmf import CMF_API_VERSION, CmfModel, Resource, ResourceMetadata, StringMap


class ConnectionSpec(CmfModel):
    """Client properties in clear, plus the id of a secret mapped per environment."""

    connection_config: StringMap | None = None
    connection_secret_id: str | None = None


class LegacyKafkaCluster(CmfModel):
    """A database as CMF 2.0 listed it inside its catalog."""

    database_name: str | None = None
    connection_config: StringMap | None = None
    connection_secret_id: str | None = None


class KafkaCatalogSpec(CmfModel):
    sr_instance: ConnectionSpec | None = None
    kafka_clusters: list[LegacyKafkaCluster] | None = None


class AccessStatus(CmfModel):
    environments_with_access: list[str] = Field(default_factory=list)


class KafkaCatalogRequest(Resource):
    metadata: ResourceMetadata = Field(default_factory=ResourceMetadata)
    spec: KafkaCatalogSpec | None = None


class KafkaCatalog(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "KafkaCatalog"
    metadata: ResourceMetadata
    spec: KafkaCatalogSpec
    status: AccessStatus | None = None


class KafkaDatabaseSpec(CmfModel):
    kafka_cluster: ConnectionSpec | None = None
    ddl_environments: list[str] | None = None


class KafkaDatabaseRequest(Resource):
    metadata: ResourceMetadata = Field(default_factory=ResourceMetadata)
    spec: KafkaDatabaseSpec | None = None


class KafkaDatabase(CmfModel):
    api_version: str = CMF_API_VERSION
    kind: str = "KafkaDatabase"
    metadata: ResourceMetadata
    spec: KafkaDatabaseSpec
    status: AccessStatus | None = None
