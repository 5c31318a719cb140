module sealer.test/template-oracle

go 1.26

require github.com/bitnami-labs/sealed-secrets v0.36.6
