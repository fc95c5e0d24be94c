package dev.adm.cli;

import dev.adm.core.backend.Backend;
import dev.adm.models.classification.Evaluation;
import dev.adm.models.data.DataFormatException;
import dev.adm.models.data.FashionMnist;
import dev.adm.models.data.ImageSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code adm eval}: top-1 of a saved classifier on the Fashion-MNIST test split. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Print the test accuracy of a saved model.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a classifier .zip written by adm train")
    Path model;
    @Option(names = "--data", description = "directory with the Fashion-MNIST IDX files")
    Path data;

    @Override
    public Integer call() throws Exception {
        Backend.initialize();
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("no model file " + model);
        }
        ComputationGraph graph;
        try {
            graph = ModelSerializer.restoreComputationGraph(model.toFile(), false);
        } catch (Exception e) {
            throw new DataFormatException(model + " is not a DL4J ComputationGraph zip: " + e.getMessage(), e);
        }
        FashionMnist.Splits splits = FashionMnist.load(data);
        double top1 = Evaluation.top1(graph, ImageSetIterator.builder(splits.test(), 256).build());
        System.out.printf(Locale.ROOT, "%s on %s: top-1 %.2f%% (%d images)%n", model, splits.source(), 100 * top1,
                splits.test().size());
        return 0;
    }
}
