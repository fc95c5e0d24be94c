package dev.adm.cli;

import dev.adm.core.backend.Backend;
import dev.adm.models.classification.ClassificationTrainer;
import dev.adm.models.classification.Evaluation;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import dev.adm.models.data.Splits;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code adm eval}: top-1 of a saved classifier on the Fashion-MNIST test split. */
@Command(name = "eval", mixinStandardHelpOptions = true, defaultValueProvider = EvalCommand.Defaults.class,
        description = "Print the test accuracy of a saved model.")
final class EvalCommand implements Callable<Integer> {
    /** The data options' defaults: the classification task's. */
    static final class Defaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            return arg instanceof CommandLine.Model.OptionSpec o ? ClassificationOptions.defaults().get(o.longestName())
                    : null;
        }
    }

    @Option(names = "--model", required = true, description = "a classifier .zip written by adm train")
    Path model;
    @CommandLine.Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() throws Exception {
        Backend.initialize();
        Splits splits = Datasets.load(dataOptions.dataset, dataOptions.data, dataOptions.embedded,
                dataOptions.imageSize);
        ImageSet test = splits.test();
        ComputationGraph graph = ClassificationTrainer.loadClassifier(model, test.numClasses(),
                new long[]{test.channels(), test.height(), test.width()});
        double top1 = Evaluation.top1(graph, splits.testIterator(256));
        System.out.printf(Locale.ROOT, "%s on %s: top-1 %.2f%% (%d images)%n", model, splits.source(), 100 * top1,
                splits.test().size());
        return 0;
    }
}
