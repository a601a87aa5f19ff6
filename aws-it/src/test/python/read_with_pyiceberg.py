"""An independent reader of the lake: PyIceberg's Glue catalog, pointed at moto's server.

Usage: read_with_pyiceberg.py ENDPOINT NAMESPACE.TABLE [NAMESPACE ...]

Prints one JSON document: the tables PyIceberg lists in each NAMESPACE, the format version and row count
of NAMESPACE.TABLE, and its rows (timestamps and dates in ISO-8601). Called by the Java integration test
(io.triplake.awsit.TestGluePipeline), which compares the rows with what Spark reads.
"""

import json
import sys

from pyiceberg.catalog import load_catalog


def main() -> None:
    endpoint, table_name, *namespaces = sys.argv[1:]
    credentials = {"access-key-id": "testing", "secret-access-key": "testing", "region": "us-east-1"}
    properties = {"type": "glue", "glue.endpoint": endpoint, "s3.endpoint": endpoint}
    for key, value in credentials.items():
        properties[f"glue.{key}"] = value
        properties[f"s3.{key}"] = value
    catalog = load_catalog("glue", **properties)

    listed = {ns: sorted(".".join(ident) for ident in catalog.list_tables(ns)) for ns in namespaces}
    table = catalog.load_table(table_name)
    arrow = table.scan().to_arrow()
    rows = []
    for row in arrow.to_pylist():
        rows.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    print(
        json.dumps(
            {
                "tables": listed,
                "format_version": table.metadata.format_version,
                "location": table.location(),
                "row_count": len(rows),
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
