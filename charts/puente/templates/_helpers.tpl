{{/* The release's base name: <release>-puente, or the release if it says puente. */}}
{{- define "puente.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "puente.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: puente
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of a component: (list $ "api") */}}
{{- define "puente.selector" -}}
app.kubernetes.io/name: puente
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "puente.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "puente.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "puente.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}

{{- define "puente.dbSecret" -}}
{{- if .Values.database.existingSecret -}}
{{ .Values.database.existingSecret }}
{{- else -}}
{{ include "puente.fullname" . }}-db
{{- end -}}
{{- end -}}

{{/* What every Puente container runs with: the settings ConfigMap and the
password file. The database URL holds no password. */}}
{{- define "puente.env" -}}
- name: DATABASE_URL
  value: {{ printf "postgres://%s@%s:%v/%s?sslmode=%s" .Values.database.user .Values.database.host .Values.database.port .Values.database.name .Values.database.sslmode | quote }}
- name: PGPASSFILE
  value: /etc/puente/db/pgpass
{{- if .Values.temporal.tlsSecret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/puente/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/puente/temporal-tls/tls.key
- name: TEMPORAL_TLS_CA
  value: /etc/puente/temporal-tls/ca.crt
{{- end }}
{{- end -}}

{{- define "puente.envFrom" -}}
- configMapRef:
    name: {{ include "puente.fullname" . }}
{{- end -}}

{{- define "puente.volumeMounts" -}}
- name: db
  mountPath: /etc/puente/db
  readOnly: true
{{- if .Values.temporal.tlsSecret }}
- name: temporal-tls
  mountPath: /etc/puente/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "puente.volumes" -}}
- name: db
  secret:
    secretName: {{ include "puente.dbSecret" . }}
    defaultMode: 0440
    items:
      - key: pgpass
        path: pgpass
{{- if .Values.temporal.tlsSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tlsSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* The image runs as distroless's nonroot user; nothing may write to it. */}}
{{- define "puente.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "puente.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
