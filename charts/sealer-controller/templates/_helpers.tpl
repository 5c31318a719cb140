{{/* The chart's name, for the app.kubernetes.io/name label. */}}
{{- define "sealer-controller.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of the Deployment, ServiceAccount and API Service. It defaults to
`sealed-secrets-controller` through values.yaml, the name `seal` and `kubeseal`
look for; without an override it is the release name plus the chart name.
*/}}
{{- define "sealer-controller.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of the cluster-scoped objects (ClusterRole, ClusterRoleBinding): they carry the
release namespace so that installs in two namespaces do not collide.
*/}}
{{- define "sealer-controller.clusterName" -}}
{{- printf "%s-%s" (include "sealer-controller.fullname" .) .Release.Namespace | trunc 253 | trimSuffix "-" -}}
{{- end -}}

{{- define "sealer-controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sealer-controller.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sealer-controller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sealer-controller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sealer-controller.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sealer-controller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: sealer
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sealer-controller.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Checks that the schema cannot express. */}}
{{- define "sealer-controller.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) -}}
{{- fail (printf "replicaCount is %d but leaderElection.enabled is false: several replicas without a Lease would all unseal and make keys; set leaderElection.enabled=true or replicaCount=1" (int .Values.replicaCount)) -}}
{{- end -}}
{{- end -}}
