{{/*
Expand the name of the chart.
*/}}
{{- define "keycloak.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keycloak.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "keycloak.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Data of the admin Secret: the password is generated once and kept across upgrades.
*/}}
{{- define "keycloak.secretData" -}}
admin-user: {{ .Values.auth.adminUser | quote }}
{{- $old := lookup "v1" "Secret" .Release.Namespace (printf "%s-admin" (include "keycloak.fullname" .)) }}
{{- if and $old (index $old.data "admin-password") }}
admin-password: {{ index $old.data "admin-password" | b64dec | quote }}
{{- else }}
admin-password: {{ .Values.auth.adminPassword | default (randAlphaNum 24) | quote }}
{{- end }}
{{- end }}

{{- define "keycloak.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ include "keycloak.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
