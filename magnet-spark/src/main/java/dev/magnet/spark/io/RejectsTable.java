package dev.magnet.spark.io;

import dev.magnet.spark.data.image.RejectedFile;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rejects table: the inputs a job could not use, one row each ({@code path}, {@code reason},
 * {@code detail}, {@code file_size}, {@code file_modified}), as Parquet. {@code embed} writes it
 * beside its embeddings; {@code train} writes the image files it rejected into the model directory.
 */
public final class RejectsTable {
  /** The table's columns. */
  public static final StructType SCHEMA = new StructType()
      .add("path", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, false)
      .add("file_size", DataTypes.LongType, true)
      .add("file_modified", DataTypes.TimestampType, true);

  private RejectsTable() {}

  /**
   * Writes {@code rejects} (collected on the driver: a path and a reason each) as one Parquet file
   * at {@code path}, an empty table when there are none; {@code path} must not exist.
   */
  public static void write(SparkSession session, List<RejectedFile> rejects, String path) {
    List<Row> rows = new ArrayList<>(rejects.size());
    for (RejectedFile r : rejects) {
      rows.add(RowFactory.create(r.path(), r.reason().spelling(), r.detail(), r.size(),
          r.modified() == null ? null : new Timestamp(r.modified())));
    }
    session.createDataFrame(rows, SCHEMA).coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(path);
  }
}
