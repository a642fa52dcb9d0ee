{{/* The release's name prefix for every object (capped at 52 so suffixes fit in 63). */}}
{{- define "scurry.fullname" -}}
{{- if contains "scurry" .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-scurry" .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "scurry.labels" -}}
app.kubernetes.io/name: scurry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "scurry.selector" -}}
app.kubernetes.io/name: scurry
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "scurry.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "scurry.operatorAccount" -}}
{{- .Values.operator.serviceAccount.name | default (printf "%s-operator" (include "scurry.fullname" .)) -}}
{{- end -}}

{{/* The management plane runs when asked for, and whenever CFK resources are reconciled. */}}
{{- define "scurry.serverEnabled" -}}
{{- if or .Values.server.enabled .Values.server.cfk -}}true{{- end -}}
{{- end -}}

{{/* The service account and its RBAC: the operator's, which the server's controller shares. */}}
{{- define "scurry.needsAccount" -}}
{{- if or .Values.operator.enabled (include "scurry.serverEnabled" .) -}}true{{- end -}}
{{- end -}}

{{/* What the operator does to the resources it reconciles and the objects it makes. */}}
{{- define "scurry.operatorRules" -}}
- apiGroups: [flink.apache.org]
  resources:
    - flinkdeployments
    - flinkdeployments/status
    - flinkdeployments/finalizers
    - flinksessionjobs
    - flinksessionjobs/status
    - flinksessionjobs/finalizers
    - flinkstatesnapshots
    - flinkstatesnapshots/status
    - flinkstatesnapshots/finalizers
  verbs: [get, list, watch, create, update, patch, delete]
{{- if .Values.server.cfk }}
- apiGroups: [platform.confluent.io]
  resources:
    - flinkenvironments
    - flinkenvironments/status
    - flinkenvironments/finalizers
    - flinkapplications
    - flinkapplications/status
    - flinkapplications/finalizers
  verbs: [get, list, watch, update, patch]
{{- end }}
- apiGroups: [apps]
  resources: [deployments, deployments/finalizers]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, delete]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [get, list, watch, create, update, patch, delete]
{{- /* Flink's Kubernetes HA needs a Role on ConfigMaps; granting it needs these. */}}
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete]
{{- end -}}
