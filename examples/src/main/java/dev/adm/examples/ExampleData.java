package dev.adm.examples;

import dev.adm.models.data.FashionMnist;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Fashion-MNIST images (the subset that ships with adm-models) as plain DL4J iterators of [B,1,28,28]. */
final class ExampleData {
    static final int CLASSES = FashionMnist.CLASSES;

    private ExampleData() {
    }

    /** The first {@code n} training images, standardised, in ND4J's own iterator over a DataSet. */
    static DataSetIterator train(int n, int batchSize) {
        return list(FashionMnist.embedded().limitTrain(n).trainIterator(n).build().next(), batchSize);
    }

    /** The first {@code n} test images, standardised. */
    static DataSetIterator test(int n, int batchSize) {
        return list(FashionMnist.embedded().testIterator(n).next(), batchSize);
    }

    /** The same training images as flat rows {@code [B,784]}, as DL4J's MNIST iterator gives them. */
    static DataSetIterator trainRows(int n, int batchSize) {
        DataSet images = FashionMnist.embedded().limitTrain(n).trainIterator(n).build().next();
        return list(new DataSet(images.getFeatures().reshape(n, 28 * 28), images.getLabels()), batchSize);
    }

    /** The test images as flat rows. */
    static DataSetIterator testRows(int n, int batchSize) {
        DataSet images = FashionMnist.embedded().testIterator(n).next();
        return list(new DataSet(images.getFeatures().reshape(n, 28 * 28), images.getLabels()), batchSize);
    }

    private static DataSetIterator list(DataSet data, int batchSize) {
        return new ViewIterator(data, batchSize);
    }
}
