package dev.adm.spark;

import com.google.common.base.Preconditions;
import java.io.DataInputStream;
import java.io.IOException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Minibatches saved with {@code DataSet.save} (as {@code adm export-batches} writes them) read on the cluster from
 * any path Spark reads ({@code hdfs://}, {@code s3a://}, a shared directory), in the order of their file names.
 */
public final class MinibatchDirectory {
    private MinibatchDirectory() {
    }

    /** The minibatches in {@code dir} (an epoch's directory of an export), sorted by file name. */
    public static JavaRDD<DataSet> read(JavaSparkContext sc, String dir) {
        JavaRDD<DataSet> batches = sc.binaryFiles(dir).sortByKey().values().map(stream -> {
            try (DataInputStream in = stream.open()) {
                DataSet d = new DataSet();
                d.load(in);
                return d;
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read " + stream.getPath() + " as a DL4J DataSet file (write "
                        + "them with adm export-batches or DataSet.save; MultiDataSets of several inputs are not read "
                        + "here): " + e, e);
            }
        });
        Preconditions.checkArgument(!batches.isEmpty(), "no minibatch files in %s", dir);
        return batches;
    }
}
