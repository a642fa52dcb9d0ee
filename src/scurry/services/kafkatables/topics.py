"""Which topics a database has: Kafka's own list when the cluster answers, else the subjects'.

The Kafka cluster is asked through confluent-kafka's AdminClient (librdkafka),
bounded by a timeout. When it does not answer (or its configuration cannot
be given to librdkafka), the topics are the ones Schema Registry knows by
TopicNameStrategy subjects (`<topic>-key`, `<topic>-value`), and the caller
says so. Internal topics (`__consumer_offsets`, `_schemas`, `_confluent-*`)
are never tables.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from scurry.services.kafkatables.formats import is_registry_key

KEY_SUFFIX = "-key"
VALUE_SUFFIX = "-value"
# librdkafka knows these Java client keys under the same name.
SHARED_KEYS = (
    "bootstrap.servers",
    "security.protocol",
    "client.id",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.endpoint.identification.algorithm",
    "sasl.username",
    "sasl.password",
)
_JAAS_CREDENTIAL = re.compile(r"""(username|password)\s*=\s*(["'])(.*?)\2""")
_log = logging.getLogger("scurry.kafka")


class KafkaUnreachable(Exception):
    """The Kafka cluster could not be asked for its topics."""


def is_internal(topic: str) -> bool:
    return topic.startswith(("__", "_confluent")) or topic == "_schemas"


def from_subjects(subjects: Iterable[str]) -> list[str]:
    """Topics named by TopicNameStrategy subjects."""
    topics = set()
    for subject in subjects:
        for suffix in (KEY_SUFFIX, VALUE_SUFFIX):
            if subject.endswith(suffix) and len(subject) > len(suffix):
                topics.add(subject[: -len(suffix)])
    return sorted(t for t in topics if not is_internal(t))


def admin_config(config: Mapping[str, str]) -> dict[str, str]:
    """librdkafka's configuration for a database's Java-style Kafka client config."""
    conf = {k: v for k, v in config.items() if k in SHARED_KEYS and not is_registry_key(k)}
    mechanism = config.get("sasl.mechanism")
    if mechanism:
        conf["sasl.mechanisms"] = mechanism
    jaas = config.get("sasl.jaas.config", "")
    for name, _, value in _JAAS_CREDENTIAL.findall(jaas):
        conf.setdefault(f"sasl.{name}", value)
    return conf


def from_kafka(config: Mapping[str, str], timeout: float) -> list[str]:
    """The cluster's topics, or `KafkaUnreachable` after at most about `timeout` seconds."""
    conf = admin_config(config)
    if not conf.get("bootstrap.servers"):
        raise KafkaUnreachable("no bootstrap.servers")
    try:
        admin = AdminClient(dict(conf), logger=_log)
        metadata = admin.list_topics(timeout=timeout)
    except (KafkaException, ValueError, TypeError) as exc:
        raise KafkaUnreachable(str(exc.args[0] if exc.args else exc)) from None
    return sorted(t for t in metadata.topics if not is_internal(t))
