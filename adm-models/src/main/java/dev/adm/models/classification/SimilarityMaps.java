package dev.adm.models.classification;

import com.google.common.base.Preconditions;
import dev.adm.core.backend.Backend;
import dev.adm.core.engine.GraphSurgery;
import dev.adm.core.ops.SimilarityMeasure;
import dev.adm.core.ops.SpatialOps;
import dev.adm.models.data.Datasets;
import dev.adm.models.data.ImageSet;
import dev.adm.models.data.ImageSetIterator;
import dev.adm.models.data.Splits;
import dev.adm.models.run.AtomicFiles;
import dev.adm.models.run.Checkpoint;
import dev.adm.models.run.RunSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where ADM's weights land for a trained teacher/student pair ({@code ./adm visualize}): the similarity map and
 * the consensus and divergence weights over test images, drawn as a picture and summed up as {@link Summary}, the
 * numbers behind the paper's observation that the similar features lie mostly on the object.
 */
public final class SimilarityMaps {
    /** Foreground: a pixel brighter than this (of 255); Fashion-MNIST items lie on a black background. */
    static final int FOREGROUND_LEVEL = 25;
    /** Test images per forward pass: every activation of a batch is kept, so 10,000 at once would not fit. */
    static final int BATCH = 250;
    private static final int CELL = 104;
    private static final String[] COLUMNS = {"image", "similarity S", "consensus", "divergence"};

    /** A per-location mean on the object's locations and on the background's. */
    public record Split(double object, double background) {
    }

    /**
     * What lies on the object, over {@code images} test images. A feature-map location is on the object when most of
     * the image pixels it covers are; {@code objectShare} is the share of locations that are.
     *
     * @param similarity         the mean similarity S
     * @param consensus          the mean consensus weight {@code w_co} (each image's weights average 1)
     * @param divergence         the mean divergence weight {@code w_di}
     * @param teacherObjectFocus the share of the teacher's attention ({@code mean_c F^2}, each image's map scaled to
     *                           sum 1) on the object's locations, averaged over images: above {@code objectShare}, the
     *                           network's features are stronger on the object than on the background
     * @param studentObjectFocus the same for the student
     */
    public record Summary(int images, SimilarityMeasure measure, double tau, double objectShare, Split similarity,
                          Split consensus, Split divergence, double teacherObjectFocus, double studentObjectFocus) {
        /** The share of all consensus weight that falls on the object ({@code objectShare} for flat weights). */
        public double consensusOnObject() {
            return objectShare * consensus.object;
        }

        /** The share of all divergence weight that falls on the object. */
        public double divergenceOnObject() {
            return objectShare * divergence.object;
        }
    }

    private SimilarityMaps() {
    }

    /** Draws {@code rows} test images with their maps into {@code png}; statistics over {@code statImages}. */
    public static Summary draw(Path runDir, Path png, int rows, int statImages) {
        return draw(runDir, png, rows, statImages, BATCH);
    }

    /** As {@link #draw(Path, Path, int, int)}, {@code batch} test images per forward pass. */
    static Summary draw(Path runDir, Path png, int rows, int statImages, int batch) {
        Preconditions.checkArgument(rows >= 1 && statImages >= rows, "the grid needs at least one row and no more "
                + "rows than the images the statistics average over; got %s rows and %s images", rows, statImages);
        Preconditions.checkArgument(Files.isRegularFile(runDir.resolve(Checkpoint.FILE)), "%s holds no run (no %s); "
                + "give the directory of a run of adm train classification with a teacher and a student", runDir,
                Checkpoint.FILE);
        Backend.initialize();
        Checkpoint.State state = Checkpoint.load(runDir);
        Map<String, ComputationGraph> nets = state.networks();
        ComputationGraph teacher = pick(nets, RunSettings.TEACHER, runDir);
        ComputationGraph student = pick(nets, RunSettings.STUDENT, runDir);
        Map<String, String> settings = state.settings();
        String data = settings.get("data");
        Splits splits = Datasets.load(settings.get("dataset"), data.equals("embedded") || data.equals("null") ? null
                : Path.of(data), data.equals("embedded"), Integer.parseInt(settings.get("imageSize")));
        ImageSet test = splits.test();
        int n = Math.min(statImages, test.size());
        double tau = Double.parseDouble(settings.getOrDefault("param.tau", "0.5"));
        String similarity = settings.get("param.similarity");

        Tally tally = new Tally();
        Maps first = null;
        ImageSetIterator it = splits.testIterator(Math.max(batch, rows));
        for (int done = 0; done < n; ) {
            INDArray x = it.next().getFeatures();
            int m = (int) Math.min(x.size(0), n - done);
            if (m < x.size(0)) {
                x = x.get(NDArrayIndex.interval(0, m), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            }
            Maps maps = Maps.of(feat(teacher, x), feat(student, x), similarity, tau);
            for (int i = 0; i < m; i++) {
                tally.add(maps, i, foreground(test, done + i, maps.h(), maps.w()));
            }
            first = first == null ? maps : first;
            done += m;
        }

        BufferedImage grid = render(test, Math.min(rows, n), first.s(), first.co(), first.di(), first.measure());
        AtomicFiles.writeVia(png, tmp -> ImageIO.write(grid, "png", tmp.toFile()));
        return tally.summary(n, first.measure(), tau);
    }

    /** One batch's maps on a common grid: S, the weights and each network's attention {@code mean_c F^2}. */
    record Maps(SimilarityMeasure measure, INDArray s, INDArray co, INDArray di, INDArray teacherAttention,
                INDArray studentAttention) {
        static Maps of(INDArray ft, INDArray fs, String similarity, double tau) {
            long h = Math.min(fs.size(2), ft.size(2));
            long w = Math.min(fs.size(3), ft.size(3));
            fs = SpatialOps.alignSpatial(fs, h, w);
            ft = SpatialOps.alignSpatial(ft, h, w);
            SimilarityMeasure measure = similarity != null ? SimilarityMeasure.parse(similarity)
                    : fs.size(1) == ft.size(1) ? SimilarityMeasure.COSINE : SimilarityMeasure.ATTENTION;
            INDArray s = SpatialOps.similarity(fs, ft, measure);
            return new Maps(measure, s, SpatialOps.locationWeights(s, tau, +1), SpatialOps.locationWeights(s, tau, -1),
                    attention(ft), attention(fs));
        }

        int h() {
            return (int) s.size(1);
        }

        int w() {
            return (int) s.size(2);
        }

        private static INDArray attention(INDArray f) {
            INDArray n = f.norm2(1);
            return n.muli(n).divi(f.size(1));
        }
    }

    /** Sums over images and locations, split by object and background. */
    static final class Tally {
        private final double[] similarity = new double[2];
        private final double[] consensus = new double[2];
        private final double[] divergence = new double[2];
        private final long[] locations = new long[2];
        private double teacherFocus;
        private double studentFocus;

        void add(Maps maps, int i, boolean[][] fg) {
            double[] attention = new double[4]; // teacher object, teacher all, student object, student all
            for (int y = 0; y < fg.length; y++) {
                for (int x = 0; x < fg[y].length; x++) {
                    int k = fg[y][x] ? 0 : 1;
                    similarity[k] += maps.s().getDouble(i, y, x);
                    consensus[k] += maps.co().getDouble(i, y, x);
                    divergence[k] += maps.di().getDouble(i, y, x);
                    locations[k]++;
                    double at = maps.teacherAttention().getDouble(i, y, x);
                    double as = maps.studentAttention().getDouble(i, y, x);
                    attention[0] += k == 0 ? at : 0;
                    attention[1] += at;
                    attention[2] += k == 0 ? as : 0;
                    attention[3] += as;
                }
            }
            teacherFocus += attention[1] > 0 ? attention[0] / attention[1] : 0;
            studentFocus += attention[3] > 0 ? attention[2] / attention[3] : 0;
        }

        Summary summary(int images, SimilarityMeasure measure, double tau) {
            return new Summary(images, measure, tau, (double) locations[0] / (locations[0] + locations[1]),
                    split(similarity), split(consensus), split(divergence), teacherFocus / images,
                    studentFocus / images);
        }

        private Split split(double[] sums) {
            return new Split(sums[0] / locations[0], sums[1] / locations[1]);
        }
    }

    private static ComputationGraph pick(Map<String, ComputationGraph> nets, String role, Path runDir) {
        ComputationGraph g = nets.containsKey(role) ? nets.get(role) : nets.get(role + "1");
        Preconditions.checkArgument(g != null, "run %s has no %s network (it has %s); visualize a run with a teacher "
                + "and a student", runDir, role, nets.keySet());
        return g;
    }

    private static INDArray feat(ComputationGraph g, INDArray x) {
        return g.feedForward(x, false).get(GraphSurgery.pooledVertex(g, "logits"));
    }

    /** Feature-map cells (h x w) most of whose pixels are brighter than {@link #FOREGROUND_LEVEL}. */
    static boolean[][] foreground(ImageSet set, int i, int h, int w) {
        int H = set.height();
        int W = set.width();
        int[][] bright = new int[h][w];
        int[][] total = new int[h][w];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int cy = y * h / H;
                int cx = x * w / W;
                int v = 0;
                for (int c = 0; c < set.channels(); c++) {
                    v = Math.max(v, set.pixel(i, c * H * W + y * W + x));
                }
                bright[cy][cx] += v > FOREGROUND_LEVEL ? 1 : 0;
                total[cy][cx]++;
            }
        }
        boolean[][] fg = new boolean[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                fg[y][x] = 2 * bright[y][x] > total[y][x];
            }
        }
        return fg;
    }

    private static BufferedImage render(ImageSet test, int rows, INDArray s, INDArray co, INDArray di,
                                        SimilarityMeasure measure) {
        int header = 24;
        BufferedImage out = new BufferedImage(COLUMNS.length * CELL, header + rows * CELL, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int c = 0; c < COLUMNS.length; c++) {
            g.drawString(COLUMNS[c], c * CELL + 4, 16);
        }
        double sMin = measure == SimilarityMeasure.COSINE ? -1 : 0;
        for (int r = 0; r < rows; r++) {
            BufferedImage image = grey(test, r);
            int y = header + r * CELL;
            g.drawImage(image, 0, y, CELL, CELL, null);
            overlay(g, image, heat(s, r, sMin, 1), CELL, y);
            // weights: each image's own range (blue = its least weighted location, red = its most)
            INDArray c = co.slice(r);
            INDArray d = di.slice(r);
            overlay(g, image, heat(co, r, c.minNumber().doubleValue(), c.maxNumber().doubleValue()), 2 * CELL, y);
            overlay(g, image, heat(di, r, d.minNumber().doubleValue(), d.maxNumber().doubleValue()), 3 * CELL, y);
        }
        g.dispose();
        return out;
    }

    private static BufferedImage grey(ImageSet set, int i) {
        BufferedImage img = new BufferedImage(set.width(), set.height(), BufferedImage.TYPE_INT_RGB);
        int hw = set.height() * set.width();
        for (int y = 0; y < set.height(); y++) {
            for (int x = 0; x < set.width(); x++) {
                int p = y * set.width() + x;
                int rgb = set.channels() == 3
                        ? set.pixel(i, p) << 16 | set.pixel(i, hw + p) << 8 | set.pixel(i, 2 * hw + p)
                        : set.pixel(i, p) * 0x010101;
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** A map {@code [h,w]} of sample {@code i} as colours, {@code lo..hi} from blue to red. */
    private static BufferedImage heat(INDArray maps, int i, double lo, double hi) {
        int h = (int) maps.size(1);
        int w = (int) maps.size(2);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = hi > lo ? Math.max(0, Math.min(1, (maps.getDouble(i, y, x) - lo) / (hi - lo))) : 0.5;
                img.setRGB(x, y, jet(t));
            }
        }
        return img;
    }

    private static int jet(double t) {
        int r = (int) (255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - 3))));
        int g = (int) (255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - 2))));
        int b = (int) (255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - 1))));
        return r << 16 | g << 8 | b;
    }

    /** The image, then the heat map bilinearly upsampled on top at half opacity. */
    private static void overlay(Graphics2D g, BufferedImage image, BufferedImage heat, int x, int y) {
        g.drawImage(image, x, y, CELL, CELL, null);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setComposite(java.awt.AlphaComposite.getInstance(java.awt.AlphaComposite.SRC_OVER, 0.55f));
        g.drawImage(heat, x, y, CELL, CELL, null);
        g.setComposite(java.awt.AlphaComposite.SrcOver);
    }
}
