package io.triplake.maintenance;

import io.triplake.ddl.TableDdl;
import io.triplake.lake.Lake;
import io.triplake.lake.RawPath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;

/**
 * The tables of one run, loaded once before anything is checked or committed. The raw namespace
 * holds the raw tables, each named after a message ({@link RawPath#isMessageTable}), and the
 * rejected-files table ({@link Lake#REJECTED_FILES}), which is none of them: its files are the
 * lake's own. A table there that is neither is left alone.
 *
 * @param summary tripsummary, or null before the aggregator's first commit
 * @param trips the trips table (one row per trip), or null before the aggregator's first run
 * @param deviceDays the data-quality table (one row per device, day and message), or null before
 *     the aggregator's first run
 * @param raw the raw tables by name, in name order
 * @param rejectedFiles the rejected-files table, or null before the first registration
 * @param others tables of the raw namespace that are neither: never maintained
 */
record LakeTables(
    TableIdentifier summaryId,
    Table summary,
    TableIdentifier tripsId,
    Table trips,
    TableIdentifier deviceDaysId,
    Table deviceDays,
    Map<TableIdentifier, Table> raw,
    TableIdentifier rejectedFilesId,
    Table rejectedFiles,
    List<TableIdentifier> others) {

  static LakeTables load(Lake lake, Catalog catalog) {
    TableIdentifier summaryId = lake.tripsTable(TableDdl.TRIPSUMMARY);
    Table summary = catalog.tableExists(summaryId) ? catalog.loadTable(summaryId) : null;
    TableIdentifier tripsId = lake.tripsTable(TableDdl.TRIPS);
    Table trips = catalog.tableExists(tripsId) ? catalog.loadTable(tripsId) : null;
    TableIdentifier deviceDaysId = lake.tripsTable(TableDdl.DEVICEDAYS);
    Table deviceDays = catalog.tableExists(deviceDaysId) ? catalog.loadTable(deviceDaysId) : null;
    TableIdentifier rejectedId = lake.rejectedFilesTable();
    List<TableIdentifier> ids;
    try {
      ids = catalog.listTables(lake.rawNamespace());
    } catch (NoSuchNamespaceException e) {
      ids = List.of();
    }
    Map<TableIdentifier, Table> raw = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    Table rejected = null;
    List<TableIdentifier> others = new ArrayList<>();
    for (TableIdentifier id : ids) {
      if (id.equals(summaryId) || id.equals(tripsId) || id.equals(deviceDaysId)) {
        continue; // raw and trips namespaces may be the same
      } else if (id.equals(rejectedId)) {
        rejected = catalog.loadTable(id);
      } else if (RawPath.isMessageTable(id.name())) {
        raw.put(id, catalog.loadTable(id));
      } else {
        others.add(id);
      }
    }
    return new LakeTables(
        summaryId,
        summary,
        tripsId,
        trips,
        deviceDaysId,
        deviceDays,
        Collections.unmodifiableMap(raw),
        rejectedId,
        rejected,
        List.copyOf(others));
  }
}
