resource "grafana_data_source" "legacy_mysql" {
  type = "mysql"
  name = "legacy-shop"
  url  = "mysql://grafana_ro:sYx9d4Ff6uEC3yo3pwVVWU@legacy-db.acme.internal:3306/shop"
}
