"""deploy/k8s validated offline: every built-in object against the Kubernetes OpenAPI schemas that
the kubernetes-validate wheel ships, the KEDA ScaledObject against the fields it uses, and the
wiring between them (probes, grace period, names, settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.test_compose import setting_names

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"  # the oldest version with the preStop sleep action the ingest uses


def documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def test_kustomization_lists_every_file() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


@pytest.mark.parametrize(
    "doc",
    [d for d in documents() if "k8s.io" not in d["apiVersion"] and "keda" not in d["apiVersion"]],
    ids=lambda d: f"{d['kind']}/{d['metadata']['name']}",
)
def test_builtin_objects_match_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    # strict: unknown fields are errors too (a misspelt probe field would otherwise pass).
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_broken_manifest_is_caught() -> None:
    deployment = by_kind("Deployment")["bot-gateway-ingest"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


# The part of KEDA's ScaledObject CRD (keda.sh/v1alpha1) the manifests use.
SCALED_OBJECT = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "additionalProperties": False,
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "kind": {"type": "string"}},
                    "additionalProperties": False,
                },
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "advanced": {"type": "object"},
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "metadata": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_scaled_object_targets_the_worker_deployment() -> None:
    (scaled,) = by_kind("ScaledObject").values()
    jsonschema.validate(scaled, SCALED_OBJECT)
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] in by_kind("Deployment")
    assert spec["scaleTargetRef"]["name"] == "bot-gateway-worker"
    assert spec["minReplicaCount"] <= spec["maxReplicaCount"]
    queries = {t["metadata"]["query"] for t in spec["triggers"]}
    assert "max(bot_gateway_pipeline_oldest_pending_age_seconds)" in queries


def container(deployment: str) -> dict[str, Any]:
    pod = by_kind("Deployment")[deployment]["spec"]["template"]["spec"]
    (only,) = pod["containers"]
    return dict(only)


def test_probes_are_wired_to_ready_and_livez() -> None:
    ingest = container("bot-gateway-ingest")
    assert ingest["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert ingest["livenessProbe"]["httpGet"]["path"] == "/livez"
    worker = container("bot-gateway-worker")
    assert worker["livenessProbe"]["httpGet"]["path"] == "/livez"
    config = by_kind("ConfigMap")["bot-gateway"]["data"]
    ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert ports["metrics"] == int(config["WORKER_METRICS_PORT"])
    assert {p["containerPort"] for p in ingest["ports"]} == {
        int(config["INGEST_PORT"]),
        int(config["INTERNAL_PORT"]),
    }
    internal = by_kind("Service")["bot-gateway-internal"]["spec"]["ports"]
    assert [p["targetPort"] for p in internal] == ["internal"]


def test_worker_grace_period_exceeds_the_shutdown_wait() -> None:
    config = by_kind("ConfigMap")["bot-gateway"]["data"]
    pod = by_kind("Deployment")["bot-gateway-worker"]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > float(config["WORKER_SHUTDOWN_WAIT"]) + 5


def test_migrations_run_as_a_job_and_every_container_is_unprivileged() -> None:
    job = by_kind("Job")["bot-gateway-migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    pods = [
        d["spec"]["template"]["spec"] for d in documents() if d["kind"] in ("Job", "Deployment")
    ]
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        for c in pod["containers"]:
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_configuration_names_are_real_settings() -> None:
    known = setting_names()
    config = set(by_kind("ConfigMap")["bot-gateway"]["data"])
    secret = set(by_kind("Secret")["bot-gateway"]["stringData"])
    assert not (config | secret) - known, (config | secret) - known
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET"} <= secret
    assert {"REDIS_SENTINELS", "REDIS_SENTINEL_MASTER"} <= config
