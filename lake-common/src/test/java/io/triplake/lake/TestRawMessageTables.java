package io.triplake.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which tables {@link Lake#rawMessageTables} calls raw: what registration reconciles, devicedays
 * counts and the trip report searches for the vendor's GNSS messages.
 */
class TestRawMessageTables {
  @TempDir Path dir;

  private Lake lake;
  private Catalog catalog;

  @BeforeEach
  void emptyLake() {
    lake = Lake.embedded(dir.resolve("lake"));
    catalog = lake.catalog();
  }

  @AfterEach
  void closeCatalog() throws IOException {
    if (catalog instanceof Closeable closeable) {
      closeable.close();
    }
  }

  private void create(TableIdentifier... ids) {
    Schema schema = new Schema(Types.NestedField.optional(1, "x", Types.LongType.get()));
    for (TableIdentifier id : ids) {
      SupportsNamespaces namespaces = (SupportsNamespaces) catalog;
      if (!namespaces.namespaceExists(id.namespace())) {
        namespaces.createNamespace(id.namespace());
      }
      catalog.createTable(id, schema);
    }
  }

  @Test
  void oneNamespaceForRawAndTripTablesListsTheRawTablesOnly() {
    Lake one = lake.withNamespaces("one", "one");
    create(
        one.rawTable("can2_speed"),
        one.rejectedFilesTable(),
        one.tripsTable(Lake.TRIPSUMMARY),
        one.tripsTable(Lake.TRIPS),
        one.tripsTable(Lake.DEVICEDAYS));

    assertThat(one.rawMessageTables(catalog)).containsExactly(one.rawTable("can2_speed"));
  }

  @Test
  void inTheirOwnNamespaceARawTableNamedLikeATripTableIsRaw() {
    Lake two = lake.withNamespaces("raw", "trips");
    create(
        two.rawTable("can2_speed"),
        two.rawTable(Lake.TRIPS),
        two.tripsTable(Lake.TRIPS),
        two.tripsTable(Lake.DEVICEDAYS));

    assertThat(two.rawMessageTables(catalog))
        .containsExactly(two.rawTable("can2_speed"), two.rawTable(Lake.TRIPS));
  }

  @Test
  void noRawTablesBeforeTheRawNamespaceExists() {
    create(TableIdentifier.of(Namespace.of("elsewhere"), "can2_speed"));

    assertThat(lake.rawMessageTables(catalog)).isEqualTo(List.of());
  }
}
