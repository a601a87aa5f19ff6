package io.triplake.lake;

import java.io.IOException;
import java.util.List;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.parquet.Parquet;

/**
 * The jobs' own small tables (the trip tables, the rejected files) are written without Spark: rows
 * as one Parquet data file, with Iceberg's generic writer, ready for the job's commit.
 */
public final class RecordFiles {
  private RecordFiles() {}

  /**
   * @param partition the rows' partition; null for an unpartitioned table
   * @param rows in the order they are written (a sorted table's callers sort them)
   */
  public static DataFile write(
      Table table, OutputFileFactory files, PartitionKey partition, List<Record> rows)
      throws IOException {
    Parquet.DataWriteBuilder builder =
        Parquet.writeData(
                partition == null
                    ? files.newOutputFile()
                    : files.newOutputFile(table.spec(), partition))
            .forTable(table)
            .withSpec(table.spec())
            .withPartition(partition)
            .createWriterFunc(GenericParquetWriter::create)
            .overwrite();
    if (table.sortOrder().isSorted()) {
      builder.withSortOrder(table.sortOrder());
    }
    DataWriter<Record> writer = builder.build();
    try (writer) {
      rows.forEach(writer::write);
    }
    return writer.toDataFile();
  }
}
