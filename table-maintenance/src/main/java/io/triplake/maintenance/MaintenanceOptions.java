package io.triplake.maintenance;

import static io.triplake.maintenance.TableMaintainer.ORPHAN_MARGIN_HOURS;
import static io.triplake.maintenance.TableMaintainer.ORPHAN_MARGIN_HOURS_DEFAULT;
import static io.triplake.maintenance.TableMaintainer.ORPHAN_MARGIN_HOURS_MIN;
import static io.triplake.maintenance.TableMaintainer.RAW_CLEAN_EXPIRED_FILES;
import static io.triplake.maintenance.TableMaintainer.RAW_DELETE_ORPHAN_FILES;
import static io.triplake.maintenance.TableMaintainer.RAW_EXPIRE_SNAPSHOTS;
import static io.triplake.maintenance.TableMaintainer.RAW_REWRITE_DATA_FILES;
import static io.triplake.maintenance.TableMaintainer.RAW_REWRITE_MANIFESTS;
import static io.triplake.maintenance.TableMaintainer.REJECTED_FILES_EXPIRE_SNAPSHOTS;
import static io.triplake.maintenance.TableMaintainer.RETENTION_DAYS;
import static io.triplake.maintenance.TableMaintainer.RETENTION_DAYS_DEFAULT;
import static io.triplake.maintenance.TableMaintainer.SUMMARY_DELETE_ORPHAN_FILES;
import static io.triplake.maintenance.TableMaintainer.SUMMARY_EXPIRE_SNAPSHOTS;
import static io.triplake.maintenance.TableMaintainer.SUMMARY_REWRITE_DATA_FILES;
import static io.triplake.maintenance.TableMaintainer.SUMMARY_REWRITE_MANIFESTS;
import static io.triplake.maintenance.TableMaintainer.TARGET_FILE_SIZE_MB;
import static io.triplake.maintenance.TableMaintainer.TARGET_FILE_SIZE_MB_DEFAULT;
import static io.triplake.maintenance.TableMaintainer.TARGET_FILE_SIZE_MB_MAX;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The options of one maintainer. Each is checked as it is set, so that a wrong one fails before the
 * run reads a table; the steps only read them.
 */
final class MaintenanceOptions {
  static final long MB = 1024L * 1024L;
  private static final List<String> STEPS =
      List.of(
          SUMMARY_REWRITE_DATA_FILES,
          SUMMARY_REWRITE_MANIFESTS,
          SUMMARY_EXPIRE_SNAPSHOTS,
          SUMMARY_DELETE_ORPHAN_FILES,
          RAW_REWRITE_MANIFESTS,
          RAW_EXPIRE_SNAPSHOTS,
          REJECTED_FILES_EXPIRE_SNAPSHOTS);

  private int retentionDays = RETENTION_DAYS_DEFAULT;
  private int orphanMarginHours = ORPHAN_MARGIN_HOURS_DEFAULT;
  private int targetFileSizeMb = TARGET_FILE_SIZE_MB_DEFAULT;
  private boolean rawTables = true;
  private boolean tripSummary = true;
  private boolean dryRun;
  private String runId = UUID.randomUUID().toString();
  private final Map<String, Boolean> steps = new LinkedHashMap<>();

  MaintenanceOptions() {
    STEPS.forEach(step -> steps.put(step, true));
  }

  int retentionDays() {
    return retentionDays;
  }

  void retentionDays(int days) {
    if (days < 1) {
      throw new IllegalArgumentException(
          "Cannot expire snapshots: the retention must be at least 1 day (" + days + ")");
    }
    this.retentionDays = days;
  }

  int orphanMarginHours() {
    return orphanMarginHours;
  }

  void orphanMarginHours(int hours) {
    if (hours < ORPHAN_MARGIN_HOURS_MIN) {
      throw new IllegalArgumentException(
          "Cannot delete orphan files: the safety margin must be at least "
              + ORPHAN_MARGIN_HOURS_MIN
              + " hours, longer than any job that may still be writing files it has not committed ("
              + hours
              + ")");
    }
    this.orphanMarginHours = hours;
  }

  int targetFileSizeMb() {
    return targetFileSizeMb;
  }

  void targetFileSizeMb(int megabytes) {
    if (megabytes < 1 || megabytes > TARGET_FILE_SIZE_MB_MAX) {
      throw new IllegalArgumentException(
          "Cannot compact: the target file size must be between 1 and "
              + TARGET_FILE_SIZE_MB_MAX
              + " MB ("
              + megabytes
              + ")");
    }
    this.targetFileSizeMb = megabytes;
  }

  boolean rawTables() {
    return rawTables;
  }

  void rawTables(boolean maintain) {
    this.rawTables = maintain;
  }

  boolean tripSummary() {
    return tripSummary;
  }

  void tripSummary(boolean maintain) {
    this.tripSummary = maintain;
  }

  boolean dryRun() {
    return dryRun;
  }

  void dryRun(boolean planOnly) {
    this.dryRun = planOnly;
  }

  String runId() {
    return runId;
  }

  void runId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("Cannot use run id: it is empty (" + id + ")");
    }
    this.runId = id;
  }

  /** Whether a step ({@code tripsummary.*}, {@code raw.*} or {@code rejected-files.*} key) runs. */
  boolean step(String key) {
    return steps.get(key);
  }

  void option(String key, String value) {
    if (key == null) {
      throw new IllegalArgumentException(
          "Cannot set maintenance option: the key is missing (" + key + "=" + value + ")");
    }
    switch (key) {
      case RETENTION_DAYS -> retentionDays(number(key, value));
      case ORPHAN_MARGIN_HOURS -> orphanMarginHours(number(key, value));
      case TARGET_FILE_SIZE_MB -> targetFileSizeMb(number(key, value));
      case RAW_REWRITE_DATA_FILES ->
          refuseIfTrue(
              key,
              value,
              "Cannot rewrite the data files of raw tables: they are the loggers' own files,"
                  + " registered in place; a rewrite hands them to Iceberg, whose expiry would then"
                  + " delete them");
      case RAW_DELETE_ORPHAN_FILES ->
          refuseIfTrue(
              key,
              value,
              "Cannot delete orphan files of raw tables: every file in the "
                  + "raw source that is not registered yet would be deleted as an orphan");
      case RAW_CLEAN_EXPIRED_FILES ->
          refuseIfTrue(
              key,
              value,
              "Cannot delete the files of expired raw snapshots: a file an "
                  + "expired raw snapshot references is still a logger's original");
      default -> {
        if (!STEPS.contains(key)) {
          throw new IllegalArgumentException(
              "Cannot set maintenance option: unknown key; known keys: "
                  + String.join(", ", knownKeys())
                  + " ("
                  + key
                  + ")");
        }
        steps.put(key, bool(key, value));
      }
    }
  }

  private static List<String> knownKeys() {
    List<String> keys =
        new ArrayList<>(List.of(RETENTION_DAYS, ORPHAN_MARGIN_HOURS, TARGET_FILE_SIZE_MB));
    keys.addAll(STEPS);
    keys.addAll(List.of(RAW_REWRITE_DATA_FILES, RAW_DELETE_ORPHAN_FILES, RAW_CLEAN_EXPIRED_FILES));
    return keys;
  }

  private static void refuseIfTrue(String key, String value, String message) {
    if (bool(key, value)) {
      throw new IllegalArgumentException(message + " (" + key + "=" + value + ")");
    }
  }

  private static boolean bool(String key, String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(
          "Cannot set maintenance option "
              + key
              + ": the value must be true or false ("
              + value
              + ")");
    }
    return v.equals("true");
  }

  private static int number(String key, String value) {
    try {
      return Integer.parseInt(value == null ? "" : value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Cannot set maintenance option "
              + key
              + ": the value must be a whole number ("
              + value
              + ")",
          e);
    }
  }
}
