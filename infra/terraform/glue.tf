resource "aws_glue_catalog_database" "this" {
  name         = var.glue_database_name
  description  = "Iceberg tables written by ${var.name}"
  location_uri = "${local.warehouse_uri}/${var.glue_database_name}"
}
