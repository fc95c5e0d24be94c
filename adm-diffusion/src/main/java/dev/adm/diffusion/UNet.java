package dev.adm.diffusion;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Seeds;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * A DDPM U-Net as a DL4J {@link ComputationGraph}: inputs {@value #IMAGE} (noisy images {@code [B,C,H,W]}) and
 * {@value #TIME} (the sinusoidal {@link TimestepEmbedding} {@code [B,E]}), output the predicted noise at
 * {@value #EPS} (a mean-squared-error {@link CnnLossLayer}, so {@code fit} trains the denoising loss directly).
 *
 * <p>The embedding goes through a two-layer MLP (SiLU); every residual block is norm-SiLU-conv3x3, plus a linear
 * projection of the embedding added per channel ({@link ChannelBiasVertex}), norm-SiLU-conv3x3, plus the input
 * (1x1 conv when the width changes). Levels of {@code base * multipliers[l]} channels with {@code blocks} blocks
 * each, a stride-2 conv between levels on the way down, nearest upsampling and a conv on the way up, skip
 * connections concatenated; the middle (two blocks at the lowest resolution, optionally with self-attention
 * between them) is the tap {@value #FEAT}.
 * The normalisation is DDPM's group norm ({@link GroupNormalization}, {@link GroupNormalization#groupsFor} groups)
 * unless the config asks for DL4J's batch norm ({@link Norm#BATCH}, for comparison).
 */
public final class UNet {
    public static final String IMAGE = "x";
    public static final String TIME = "t_emb";
    public static final String EPS = "eps";
    /** The convolution whose output is the predicted noise: the distillation engine's logits vertex. */
    public static final String NOISE = "out_conv";
    /** The bottleneck's vertex (tap {@code feat}). */
    public static final String FEAT = "mid";
    private static final String T_MLP = "t_mlp2";

    /** The U-Net's normalisation layers. */
    public enum Norm {
        /** Group normalisation, per image (DDPM's). */
        GROUP,
        /** DL4J's batch normalisation, over the batch (the U-Net's normalisation before group norm existed). */
        BATCH
    }

    /**
     * @param channels    image channels
     * @param size        image height and width; divisible by {@code 2^(levels-1)}
     * @param base        channels of the first level
     * @param multipliers channels of each level, as multiples of {@code base}
     * @param blocks      residual blocks per level
     * @param embedding   size of the sinusoidal timestep embedding
     * @param attention   a {@link SpatialSelfAttention} block between the two middle blocks (lowest resolution)
     * @param norm        the normalisation layers
     */
    public record Config(int channels, int size, int base, int[] multipliers, int blocks, int embedding, long seed,
                         IUpdater updater, DataType dataType, boolean attention, Norm norm) {
        public Config {
            Preconditions.checkNotNull(norm, "normalisation");
            Preconditions.checkArgument(channels >= 1 && base >= 4 && blocks >= 1, "need channels >= 1, base >= 4 "
                    + "and blocks >= 1, got %s, %s, %s", channels, base, blocks);
            Preconditions.checkArgument(multipliers.length >= 1 && Arrays.stream(multipliers).allMatch(m -> m >= 1),
                    "channel multipliers must be >= 1, got %s", Arrays.toString(multipliers));
            int factor = 1 << (multipliers.length - 1);
            Preconditions.checkArgument(size >= factor && size % factor == 0, "image size %s must be divisible by "
                    + "%s (%s levels halve it)", size, factor, multipliers.length);
            Preconditions.checkArgument(embedding >= 4 && embedding % 2 == 0, "embedding size must be even and >= 4, "
                    + "got %s", embedding);
            multipliers = multipliers.clone();
        }

        /** With group norm. */
        public Config(int channels, int size, int base, int[] multipliers, int blocks, int embedding, long seed,
                      IUpdater updater, DataType dataType, boolean attention) {
            this(channels, size, base, multipliers, blocks, embedding, seed, updater, dataType, attention, Norm.GROUP);
        }

        /** Without attention, with group norm. */
        public Config(int channels, int size, int base, int[] multipliers, int blocks, int embedding, long seed,
                      IUpdater updater, DataType dataType) {
            this(channels, size, base, multipliers, blocks, embedding, seed, updater, dataType, false);
        }

        /** A small default: base 16, levels (1, 2, 2), two blocks each, embedding 32, Adam 2e-4, float. */
        public static Config small(int channels, int size, long seed) {
            return new Config(channels, size, 16, new int[]{1, 2, 2}, 2, 32, seed, new Adam(2e-4), DataType.FLOAT);
        }

        public Config withBase(int newBase) {
            return new Config(channels, size, newBase, multipliers, blocks, embedding, seed, updater, dataType,
                    attention, norm);
        }

        public Config withBlocks(int newBlocks) {
            return new Config(channels, size, base, multipliers, newBlocks, embedding, seed, updater, dataType,
                    attention, norm);
        }

        public Config withSeed(long newSeed) {
            return new Config(channels, size, base, multipliers, blocks, embedding, newSeed, updater, dataType,
                    attention, norm);
        }

        public Config withAttention(boolean on) {
            return new Config(channels, size, base, multipliers, blocks, embedding, seed, updater, dataType,
                    on, norm);
        }

        public Config withNorm(Norm newNorm) {
            return new Config(channels, size, base, multipliers, blocks, embedding, seed, updater, dataType, attention,
                    newNorm);
        }

        public Config withUpdater(IUpdater newUpdater) {
            return new Config(channels, size, base, multipliers, blocks, embedding, seed, newUpdater, dataType,
                    attention, norm);
        }
    }

    private UNet() {
    }

    public static ComputationGraph build(Config c) {
        int tDim = 4 * c.base();
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(Seeds.usable(c.seed())).dataType(c.dataType())
                .updater(c.updater()).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs(IMAGE, TIME)
                .setInputTypes(InputType.convolutional(c.size(), c.size(), c.channels()),
                        InputType.feedForward(c.embedding()));
        g.addLayer("t_mlp1", new DenseLayer.Builder().nIn(c.embedding()).nOut(tDim).activation(Activation.SWISH)
                .build(), TIME);
        g.addLayer(T_MLP, new DenseLayer.Builder().nIn(tDim).nOut(tDim).activation(Activation.SWISH).build(),
                "t_mlp1");
        g.addLayer("in_conv", conv(c.channels(), c.base(), 3, 1), IMAGE);

        Deque<String> skips = new ArrayDeque<>();
        Deque<Integer> skipChannels = new ArrayDeque<>();
        String h = "in_conv";
        int ch = c.base();
        skips.push(h);
        skipChannels.push(ch);
        int levels = c.multipliers().length;
        for (int l = 0; l < levels; l++) {
            int out = c.base() * c.multipliers()[l];
            for (int b = 0; b < c.blocks(); b++) {
                h = resBlock(g, c.norm(), "down" + l + "_b" + b, h, ch, out, tDim);
                ch = out;
                skips.push(h);
                skipChannels.push(ch);
            }
            if (l < levels - 1) {
                g.addLayer("down" + l + "_pool", conv(ch, ch, 3, 2), h);
                h = "down" + l + "_pool";
                skips.push(h);
                skipChannels.push(ch);
            }
        }
        h = resBlock(g, c.norm(), "mid_b0", h, ch, ch, tDim);
        if (c.attention()) {
            g.addLayer("mid_attn", new SpatialSelfAttention(ch), h);
            h = "mid_attn";
        }
        h = resBlock(g, c.norm(), FEAT, h, ch, ch, tDim);
        for (int l = levels - 1; l >= 0; l--) {
            int out = c.base() * c.multipliers()[l];
            for (int b = 0; b <= c.blocks(); b++) {
                String cat = "up" + l + "_b" + b + "_cat";
                g.addVertex(cat, new MergeVertex(), h, skips.pop());
                h = resBlock(g, c.norm(), "up" + l + "_b" + b, cat, ch + skipChannels.pop(), out, tDim);
                ch = out;
            }
            if (l > 0) {
                g.addLayer("up" + l + "_upsample", new Upsampling2D.Builder(2).build(), h);
                g.addLayer("up" + l + "_conv", conv(ch, ch, 3, 1), "up" + l + "_upsample");
                h = "up" + l + "_conv";
            }
        }
        g.addLayer("out_norm", norm(c.norm(), ch), h);
        g.addLayer(NOISE, conv(ch, c.channels(), 3, 1), "out_norm");
        g.addLayer(EPS, new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .build(), NOISE);
        g.setOutputs(EPS);
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    /** Norm-SiLU-conv, + the projected embedding, norm-SiLU-conv, + the input (1x1 conv when widths differ). */
    private static String resBlock(GraphBuilder g, Norm norm, String name, String in, int cin, int cout, int tDim) {
        g.addLayer(name + "_n1", norm(norm, cin), in);
        g.addLayer(name + "_c1", conv(cin, cout, 3, 1), name + "_n1");
        g.addLayer(name + "_t", new DenseLayer.Builder().nIn(tDim).nOut(cout).activation(Activation.IDENTITY).build(),
                T_MLP);
        g.addVertex(name + "_tadd", new ChannelBiasVertex(), name + "_c1", name + "_t");
        g.addLayer(name + "_n2", norm(norm, cout), name + "_tadd");
        g.addLayer(name + "_c2", conv(cout, cout, 3, 1), name + "_n2");
        String skip = in;
        if (cin != cout) {
            g.addLayer(name + "_skip", conv(cin, cout, 1, 1), in);
            skip = name + "_skip";
        }
        g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "_c2", skip);
        return name;
    }

    /** Normalisation then SiLU. */
    private static org.deeplearning4j.nn.conf.layers.Layer norm(Norm norm, int channels) {
        return norm == Norm.GROUP ? new GroupNormalization(channels, GroupNormalization.groupsFor(channels), true)
                : new BatchNormalization.Builder().nIn(channels).nOut(channels).activation(Activation.SWISH).build();
    }

    private static ConvolutionLayer conv(int in, int out, int kernel, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nIn(in).nOut(out)
                .activation(Activation.IDENTITY).build();
    }
}
