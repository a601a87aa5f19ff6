################################################################################
# Glue Data Catalog: one database (Iceberg namespace) for raw tables, one for trips
#
# Table metadata lives under the warehouse bucket (`<warehouse>/<db>.db/<table>`), never under the
# raw prefix: raw tables only reference the logger files, and an orphan-file cleanup on a location
# that overlapped the raw data would delete logger files that are not registered yet.
################################################################################

resource "aws_glue_catalog_database" "raw" {
  name         = var.glue_raw_database_name
  description  = "trip-lake ${var.name}: raw logger Parquet from ${local.raw_uri}, registered in place as Iceberg tables"
  location_uri = "${local.warehouse_uri}${var.glue_raw_database_name}.db"

  tags = var.tags
}

resource "aws_glue_catalog_database" "trips" {
  name         = var.glue_trips_database_name
  description  = "trip-lake ${var.name}: trips and their signal aggregations (Iceberg)"
  location_uri = "${local.warehouse_uri}${var.glue_trips_database_name}.db"

  tags = var.tags
}
