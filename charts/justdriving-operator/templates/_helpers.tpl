{{/*
Names, labels and the RBAC rules shared by the cluster-wide and the per-namespace modes.
*/}}

{{/* Chart name, overridable. */}}
{{- define "justdriving-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "justdriving-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value: name-version. */}}
{{- define "justdriving-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator's pods (never change them: Deployment selectors are immutable). */}}
{{- define "justdriving-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "justdriving-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Standard labels of every object of the chart. */}}
{{- define "justdriving-operator.labels" -}}
helm.sh/chart: {{ include "justdriving-operator.chart" . }}
{{ include "justdriving-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: justdriving-operator
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "justdriving-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "justdriving-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: set the name of an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "justdriving-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Namespace of the leader-election Lease. */}}
{{- define "justdriving-operator.leaderElectionNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/* Name of the leader-election Lease. */}}
{{- define "justdriving-operator.leaderElectionId" -}}
{{- default (include "justdriving-operator.fullname" .) .Values.leaderElection.id }}
{{- end }}

{{/*
Checks across values that the JSON schema cannot express; each message names the value and the fix.
*/}}
{{- define "justdriving-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicaCount: %d pods without leader election would all reconcile at once; set leaderElection.enabled=true or replicaCount=1" (int .Values.replicaCount)) }}
{{- end }}
{{- if and .Values.metrics.enabled (eq (int .Values.metrics.port) (int .Values.health.port)) }}
{{- fail (printf "metrics.port and health.port are both %d; give them different ports" (int .Values.health.port)) }}
{{- end }}
{{- if and (not .Values.crds.install) (not (.Capabilities.APIVersions.Has "justdriving.io/v1alpha1")) }}
{{- fail "crds.install: false, but the cluster does not serve justdriving.io/v1alpha1; apply the CRDs first (kubectl apply -f crds/) or set crds.install=true" }}
{{- end }}
{{- end }}

{{/*
Permissions on the Just Driving resources and on everything the operator owns or reads. One list for
both modes: the ClusterRole (all namespaces) and the Role of each watched namespace.
*/}}
{{- define "justdriving-operator.rules" -}}
# The custom resources: read them, write only their status (the operator never writes spec).
- apiGroups: [justdriving.io]
  resources: [justdrivingenvironments, justdrivingreleases]
  verbs: [get, list, watch]
- apiGroups: [justdriving.io]
  resources: [justdrivingenvironments/status, justdrivingreleases/status]
  verbs: [update, patch]
# Owned objects carry ownerReferences with blockOwnerDeletion: clusters that enable the
# OwnerReferencesPermissionEnforcement admission plugin require update on the owner's finalizers.
- apiGroups: [justdriving.io]
  resources: [justdrivingenvironments/finalizers, justdrivingreleases/finalizers]
  verbs: [update]
# The objects the operator creates and owns per environment and release.
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [get, list, watch, create, update, patch, delete]
# Integrations (Secrets) and config: read only; ConfigMaps also created (immutable config snapshots).
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create]
# Pods: read only, so a release's verification sees worker and scheduler restarts.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# Events on the custom resources, in both APIs.
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end }}
