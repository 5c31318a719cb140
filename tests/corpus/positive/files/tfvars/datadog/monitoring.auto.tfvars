datadog_site    = "datadoghq.eu"
datadog_api_key = "01836cddda576e9f39d812c11758bc07"
alert_channel   = "@slack-platform-alerts"
