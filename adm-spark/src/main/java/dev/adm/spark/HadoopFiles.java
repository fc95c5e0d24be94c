package dev.adm.spark;

import dev.adm.models.run.ExportFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;

/**
 * An export's files as the driver and the executors read them: through Hadoop's file systems with the Spark
 * context's Hadoop configuration, so any path Spark reads ({@code hdfs://}, {@code s3a://}, a local or shared
 * directory) works the same everywhere.
 */
final class HadoopFiles implements ExportFiles, Serializable {
    private final SerializableConfiguration conf;

    HadoopFiles(JavaSparkContext sc) {
        this.conf = new SerializableConfiguration(sc.hadoopConfiguration());
    }

    @Override
    public InputStream open(String path) throws IOException {
        Path p = new Path(path);
        return p.getFileSystem(conf.value()).open(p);
    }
}
