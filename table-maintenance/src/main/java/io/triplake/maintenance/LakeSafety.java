package io.triplake.maintenance;

import io.triplake.lake.LakeProperties;
import io.triplake.lake.Locations;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.util.PropertyUtil;

/**
 * The checks that come before any commit: raw tables must have GC off and say where their files
 * come from; no table may reach into a raw source; the tables whose files maintenance deletes
 * (tripsummary, trips, the rejected-files table) must not reach into a raw table.
 */
final class LakeSafety {
  /** Table properties that place files somewhere else than the table location. */
  private static final List<String> LOCATION_PROPERTIES =
      List.of(
          "write.data.path",
          "write.metadata.path",
          "write.object-storage.path",
          "write.folder-storage.path");

  private LakeSafety() {}

  /**
   * Fails on the first unsafe table.
   *
   * @return the locations nothing may be deleted from: the raw sources, then the raw tables' own
   *     locations
   */
  static List<String> check(LakeTables tables) {
    List<String> rawSources = new ArrayList<>();
    List<String> rawLocations = new ArrayList<>();
    for (Map.Entry<TableIdentifier, Table> e : tables.raw().entrySet()) {
      rawSources.addAll(checkRaw(e.getKey(), e.getValue()));
      rawLocations.addAll(locations(e.getValue()));
    }
    List<Map.Entry<String, Table>> all = new ArrayList<>();
    tables.raw().forEach((id, t) -> all.add(Map.entry(id.toString(), t)));
    // tripsummary, the trips table and the rejected-files table: the tables whose files
    // maintenance deletes.
    Map<TableIdentifier, Table> own = ownTables(tables);
    for (Map.Entry<TableIdentifier, Table> e : own.entrySet()) {
      Table table = e.getValue();
      all.add(Map.entry(e.getKey().toString(), table));
      if (table.properties().containsKey(LakeProperties.RAW_SOURCE)) {
        throw new IllegalStateException(
            "Cannot maintain "
                + e.getKey()
                + ": it has the raw-table property "
                + LakeProperties.RAW_SOURCE
                + ", so it may reference loggers' files; compaction, expiry or orphan cleanup would"
                + " delete them ("
                + table.properties().get(LakeProperties.RAW_SOURCE)
                + ")");
      }
    }
    for (Map.Entry<String, Table> table : all) {
      for (String location : locations(table.getValue())) {
        for (String source : rawSources) {
          if (Locations.overlap(location, source)) {
            throw new IllegalStateException(
                "Cannot maintain "
                    + table.getKey()
                    + ": its location "
                    + location
                    + " overlaps the raw source "
                    + source
                    + " (expiry or orphan cleanup there could delete loggers' files); "
                    + "keep the warehouse and every table location outside the raw data");
          }
        }
      }
    }
    own.forEach((id, table) -> checkOutsideRawTables(id, table, tables));
    List<String> protectedLocations = new ArrayList<>(rawSources);
    protectedLocations.addAll(rawLocations);
    return protectedLocations;
  }

  /** Checks one raw table's properties; returns its sources. */
  private static List<String> checkRaw(TableIdentifier id, Table table) {
    Map<String, String> props = table.properties();
    if (gcEnabled(table)) {
      throw new IllegalStateException(
          "Cannot maintain raw table "
              + id
              + ": gc.enabled is not false; its data files are the loggers' own files and Iceberg's"
              + " cleanup could delete them. Set the table property gc.enabled=false first ("
              + props.getOrDefault(TableProperties.GC_ENABLED, "unset")
              + ")");
    }
    String sources = props.get(LakeProperties.RAW_SOURCE);
    if (sources == null || sources.isBlank()) {
      throw new IllegalStateException(
          "Cannot maintain raw table "
              + id
              + ": it has no "
              + LakeProperties.RAW_SOURCE
              + " property, so the job cannot tell where the loggers' files are; run registration"
              + " into it to set it ("
              + table.location()
              + ")");
    }
    List<String> normalized = new ArrayList<>();
    for (String source : sources.split(",")) {
      if (!source.isBlank()) {
        normalized.add(Locations.normalize(source));
      }
    }
    return normalized;
  }

  /** The tables whose files maintenance deletes: tripsummary, trips, the rejected-files table. */
  private static Map<TableIdentifier, Table> ownTables(LakeTables tables) {
    Map<TableIdentifier, Table> own = new java.util.LinkedHashMap<>();
    if (tables.summary() != null) {
      own.put(tables.summaryId(), tables.summary());
    }
    if (tables.trips() != null) {
      own.put(tables.tripsId(), tables.trips());
    }
    if (tables.deviceDays() != null) {
      own.put(tables.deviceDaysId(), tables.deviceDays());
    }
    if (tables.rejectedFiles() != null) {
      own.put(tables.rejectedFilesId(), tables.rejectedFiles());
    }
    return own;
  }

  /**
   * Orphan cleanup or expiry of a table of the lake's own would delete the files of a raw table
   * inside its location.
   */
  private static void checkOutsideRawTables(TableIdentifier id, Table table, LakeTables tables) {
    for (String location : locations(table)) {
      for (Map.Entry<TableIdentifier, Table> e : tables.raw().entrySet()) {
        for (String rawLocation : locations(e.getValue())) {
          if (Locations.overlap(location, rawLocation)) {
            throw new IllegalStateException(
                "Cannot maintain "
                    + id
                    + ": its location "
                    + location
                    + " overlaps the location of raw table "
                    + e.getKey()
                    + " (orphan cleanup would delete that table's files) ("
                    + rawLocation
                    + ")");
          }
        }
      }
    }
  }

  /** Where a table's files are: its location, and its data and metadata paths when set. */
  static List<String> locations(Table table) {
    List<String> locations = new ArrayList<>();
    locations.add(Locations.normalize(table.location()));
    for (String prop : LOCATION_PROPERTIES) {
      String value = table.properties().get(prop);
      if (value != null && !value.isBlank()) {
        locations.add(Locations.normalize(value));
      }
    }
    return locations;
  }

  static boolean gcEnabled(Table table) {
    return PropertyUtil.propertyAsBoolean(
        table.properties(), TableProperties.GC_ENABLED, TableProperties.GC_ENABLED_DEFAULT);
  }
}
