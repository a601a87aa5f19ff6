################################################################################
# Glue Data Catalog: one database (Iceberg namespace) for raw tables, one for trips
#
# No Glue API excludes a database from the catalog-level table optimizers (Lake Formation console,
# glue:UpdateCatalog); only a table-level optimizer configuration takes precedence for its table.
# The raw bucket's policy (raw_protection.tf) is what keeps an optimizer from deleting raw files.
#
# Table metadata lives under the warehouse bucket (`<warehouse>/<db>.db/<table>`), never under the
# raw prefix: raw tables only reference the logger files, and an orphan-file cleanup on a location
# that overlapped the raw data would delete logger files that are not registered yet.
################################################################################

resource "aws_glue_catalog_database" "raw" {
  name         = var.glue_raw_database_name
  description  = "trip-lake ${var.name}: raw logger Parquet from ${local.raw_uri}, registered in place as Iceberg tables. Their data files are the loggers' files: never DROP TABLE, VACUUM or OPTIMIZE them in Athena, nor enable Glue table optimizers on them (docs/aws-raw-data-protection.md)."
  location_uri = "${local.warehouse_uri}${var.glue_raw_database_name}.db"

  tags = var.tags
}

resource "aws_glue_catalog_database" "trips" {
  name         = var.glue_trips_database_name
  description  = "trip-lake ${var.name}: trips and their signal aggregations (Iceberg)"
  location_uri = "${local.warehouse_uri}${var.glue_trips_database_name}.db"

  tags = var.tags
}
