package dev.adm.models.zoo;

import dev.adm.core.backend.Seeds;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;

/** Start and finish of every zoo graph: the shared global configuration and the {@code input} vertex. */
final class ZooGraphs {
    private ZooGraphs() {
    }

    /** Seed, data type, updater, L2, He initialisation, PyTorch-style explicit padding; input "input". */
    static GraphBuilder start(ModelConfig cfg) {
        return new NeuralNetConfiguration.Builder()
                .seed(Seeds.usable(cfg.seed()))
                .dataType(cfg.dataType())
                .updater(cfg.updater())
                .l2(cfg.l2())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(cfg.height(), cfg.width(), cfg.channels()));
    }

    static ComputationGraph init(GraphBuilder g) {
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }
}
