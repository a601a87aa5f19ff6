package io.triplake.maintenance;

import io.triplake.ddl.TableDdl;
import io.triplake.lake.Lake;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;

/**
 * The tables of one run, loaded once before anything is checked or committed.
 *
 * @param summary tripsummary, or null before the aggregator's first commit
 * @param trips the trips table (one row per trip), or null before the aggregator's first run
 * @param raw the raw tables by name, in name order
 */
record LakeTables(
    TableIdentifier summaryId,
    Table summary,
    TableIdentifier tripsId,
    Table trips,
    Map<TableIdentifier, Table> raw) {

  static LakeTables load(Lake lake, Catalog catalog) {
    TableIdentifier summaryId = lake.tripsTable(TableDdl.TRIPSUMMARY);
    Table summary = catalog.tableExists(summaryId) ? catalog.loadTable(summaryId) : null;
    TableIdentifier tripsId = lake.tripsTable(TableDdl.TRIPS);
    Table trips = catalog.tableExists(tripsId) ? catalog.loadTable(tripsId) : null;
    List<TableIdentifier> ids;
    try {
      ids = catalog.listTables(lake.rawNamespace());
    } catch (NoSuchNamespaceException e) {
      ids = List.of();
    }
    Map<TableIdentifier, Table> raw = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    for (TableIdentifier id : ids) {
      if (!id.equals(summaryId) && !id.equals(tripsId)) {
        raw.put(id, catalog.loadTable(id));
      }
    }
    return new LakeTables(summaryId, summary, tripsId, trips, Collections.unmodifiableMap(raw));
  }
}
