package dev.adm.spark;

import com.google.common.base.Preconditions;
import java.io.DataInputStream;
import java.io.IOException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.input.PortableDataStream;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Minibatches saved with {@code DataSet.save} or {@code MultiDataSet.save} (as {@code adm export-batches} writes
 * them) read on the cluster from any path Spark reads ({@code hdfs://}, {@code s3a://}, a shared directory), in the
 * order of their file names.
 */
public final class MinibatchDirectory {
    private MinibatchDirectory() {
    }

    /** The {@code DataSet} minibatches in {@code dir} (an epoch's directory of an export), sorted by file name. */
    public static JavaRDD<DataSet> read(JavaSparkContext sc, String dir) {
        return read(sc, dir, "DataSet", in -> {
            DataSet d = new DataSet();
            d.load(in);
            return d;
        });
    }

    /**
     * The {@code MultiDataSet} minibatches in {@code dir} (an export for networks of several inputs, such as a
     * diffusion U-Net's), sorted by file name.
     */
    public static JavaRDD<MultiDataSet> readMultiDataSets(JavaSparkContext sc, String dir) {
        return read(sc, dir, "MultiDataSet", in -> {
            MultiDataSet d = new MultiDataSet();
            d.load(in);
            return d;
        });
    }

    private static <T> JavaRDD<T> read(JavaSparkContext sc, String dir, String format,
                                       Function<DataInputStream, T> load) {
        JavaRDD<T> batches = sc.binaryFiles(dir).sortByKey().values().map((PortableDataStream stream) -> {
            try (DataInputStream in = stream.open()) {
                return load.call(in);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read " + stream.getPath() + " as a DL4J " + format
                        + " file (write them with adm export-batches or " + format + ".save): " + e, e);
            }
        });
        Preconditions.checkArgument(!batches.isEmpty(), "no minibatch files in %s", dir);
        return batches;
    }
}
