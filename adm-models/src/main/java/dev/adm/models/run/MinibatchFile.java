package dev.adm.models.run;

import com.google.common.base.Preconditions;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * One minibatch file of an export: its path (on this machine or any file system a cluster reads) and the network
 * inputs it holds, which say its format: {@code DataSet.save} for one input, {@code MultiDataSet.save} for several.
 *
 * @param path   the file
 * @param inputs the arrays of network input it holds, >= 1
 */
public record MinibatchFile(String path, int inputs) implements Serializable {
    public MinibatchFile {
        Preconditions.checkArgument(path != null && !path.isBlank(), "a minibatch file needs a path");
        Preconditions.checkArgument(inputs >= 1, "a minibatch has >= 1 input, got %s", inputs);
    }

    /** The batch the file holds, read through {@code files}; a file that is not one fails with its path named. */
    public StepBatches.Batch read(ExportFiles files) {
        try (InputStream in = files.open(path)) {
            if (inputs == 1) {
                DataSet d = new DataSet();
                d.load(in);
                return new StepBatches.Batch(new INDArray[]{d.getFeatures()}, d.getLabels());
            }
            MultiDataSet m = new MultiDataSet();
            m.load(new DataInputStream(in));
            Preconditions.checkState(m.getFeatures().length == inputs, "%s holds %s inputs, its export says %s", path,
                    m.getFeatures().length, inputs);
            return new StepBatches.Batch(m.getFeatures(), m.getLabels(0));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the minibatch " + path + " (" + (inputs == 1 ? "DataSet"
                    : "MultiDataSet") + ".save format, as adm export-batches writes it): " + e.getMessage(), e);
        }
    }
}
