"""`scurry apply|get|describe|delete` with core/v1 ConfigMaps and Secrets, as kubectl."""

from __future__ import annotations

import base64
from pathlib import Path

from clikit import Run

MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: flink-app-cm
data:
  KAFKA_BOOTSTRAP: broker:9092
  LOG_LEVEL: INFO
---
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
type: Opaque
stringData:
  password: s3cr3t-value
data:
  user: YWRtaW4=
"""


def write(tmp_path: Path, text: str, name: str = "objects.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_apply_get_describe_delete(scurry: Run, tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)

    applied = scurry("apply", "-f", path)
    again = scurry("apply", "-f", path)
    maps = scurry("get", "cm")
    secrets = scurry("get", "secrets")
    described = scurry("describe", "secret", "db-credentials")
    as_yaml = scurry("get", "secret", "db-credentials", "-o", "yaml")
    deleted = scurry("delete", "configmap", "flink-app-cm")
    gone = scurry("get", "cm", "flink-app-cm")

    assert applied.out.splitlines() == [
        "configmap/flink-app-cm created",
        "secret/db-credentials created",
    ]
    assert again.out.splitlines() == [
        "configmap/flink-app-cm unchanged",
        "secret/db-credentials unchanged",
    ]
    assert maps.out.split("\n")[0].split() == ["NAME", "DATA", "AGE"]
    assert maps.out.split("\n")[1].split()[:2] == ["flink-app-cm", "2"]
    assert secrets.out.split("\n")[1].split()[:3] == ["db-credentials", "Opaque", "2"]
    assert "password:  12 bytes" in described.out
    assert "s3cr3t-value" not in described.out
    assert f"password: {base64.b64encode(b's3cr3t-value').decode()}" in as_yaml.out
    assert "stringData" not in as_yaml.out
    assert deleted.out == 'configmap "flink-app-cm" deleted\n'
    assert gone.code == 3
    assert 'configmaps "flink-app-cm" not found' in gone.err


def test_bad_data_is_refused_naming_the_key(scurry: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {token: not-base64!}\n",
    )

    result = scurry("apply", "-f", path)

    assert result.code == 2
    assert "Secret/s: data: key 'token': must be base64-encoded" in result.err
    assert scurry("get", "secret", "s").code == 3


def test_an_immutable_config_map_keeps_its_data(scurry: Run, tmp_path: Path) -> None:
    first = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fixed}\nimmutable: true\n"
    scurry("apply", "-f", write(tmp_path, first + "data: {a: '1'}\n"))

    changed = scurry("apply", "-f", write(tmp_path, first + "data: {a: '2'}\n"))

    assert changed.code == 2
    assert "data: Forbidden: field is immutable when `immutable` is set" in changed.err
    stored = scurry("get", "cm", "fixed", "-o", "json")
    assert '"a": "1"' in stored.out
