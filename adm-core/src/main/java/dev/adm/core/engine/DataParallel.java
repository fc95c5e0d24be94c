package dev.adm.core.engine;

import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The extra workers of a data-parallel step or prediction: one replica and one thread per extra worker, the split
 * of a batch between the first replica (on the calling thread) and them, and the averaging rule that makes their
 * shares one step ({@link DistillationEngine#setWorkers} states it).
 */
final class DataParallel {
    private static final Cleaner CLEANER = Cleaner.create();

    private final List<Replica> copies = new ArrayList<>();
    private final Threads threads = new Threads();

    DataParallel() {
        CLEANER.register(this, threads); // an engine dropped without setWorkers(1) does not leave threads behind
    }

    /** The worker threads; shut down when the engine is no longer reachable. */
    private static final class Threads implements Runnable {
        final List<ExecutorService> executors = new ArrayList<>();

        @Override
        public void run() {
            executors.forEach(ExecutorService::shutdown);
        }
    }

    /** Workers, counting the calling thread. */
    int size() {
        return copies.size() + 1;
    }

    void resize(int workers, Supplier<Replica> copy) {
        while (copies.size() < workers - 1) {
            copies.add(copy.get());
            String name = "adm-worker-" + copies.size();
            threads.executors.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }));
        }
        while (copies.size() > workers - 1) {
            copies.remove(copies.size() - 1);
            threads.executors.remove(threads.executors.size() - 1).shutdown();
        }
    }

    /**
     * Splits the batch into one share per worker (sizes as equal as possible, the first ones larger), runs the
     * first on this thread and the others on their threads at the same time, and returns once all are done. When
     * any share fails, the first failure (in share order) is thrown and nothing is returned.
     */
    List<Replica.Share> step(Replica first, INDArray[] features, INDArray labels, Map<String, Double> scalars,
                             long seed, long step, int epoch) {
        List<INDArray> slices = new ArrayList<>();
        try {
            return onShares(features[0].size(0), (k, from, to) -> {
                INDArray[] x = slice(features, from, to, slices);
                INDArray y = slice(labels, from, to, slices);
                if (k == 0) {
                    return () -> first.step(x, y, scalars, seed, step, epoch);
                }
                Replica copy = copies.get(k - 1);
                copy.followCounts(first);
                long shareSeed = seed + k * 0x9E3779B97F4A7C15L; // each thread draws its own numbers
                return () -> copy.step(x, y, scalars, shareSeed, step, epoch);
            });
        } finally {
            slices.forEach(INDArray::close);
        }
    }

    /**
     * Inference-mode logits of the network at {@code index} of every replica, the batch split between the workers
     * as a step's is, in batch order. Inference treats every sample on its own, so this is the first replica's
     * prediction on the whole batch, up to float rounding.
     */
    INDArray predict(Replica first, int index, INDArray[] inputs) {
        List<INDArray> slices = new ArrayList<>();
        try {
            List<INDArray> parts = onShares(inputs[0].size(0), (k, from, to) -> {
                INDArray[] x = slice(inputs, from, to, slices);
                EngineNetwork network = (k == 0 ? first : copies.get(k - 1)).networks.get(index);
                return () -> network.predict(x);
            });
            if (parts.size() == 1) {
                return parts.get(0);
            }
            INDArray all = Nd4j.concat(0, parts.toArray(INDArray[]::new));
            parts.forEach(INDArray::close);
            return all;
        } finally {
            slices.forEach(INDArray::close);
        }
    }

    /** The work of share {@code k} (rows {@code from} to {@code to}), prepared on the calling thread. */
    private interface ShareWork<T> {
        Callable<T> prepare(int k, long from, long to);
    }

    /**
     * Runs one piece of work per share of a batch of {@code batch} samples: the first on this thread, the others on
     * their workers' threads at the same time; returns their results in share order once all are done. When any
     * share fails, the first failure (in share order) is thrown.
     */
    private <T> List<T> onShares(long batch, ShareWork<T> work) {
        int shares = (int) Math.min(size(), batch);
        List<Future<T>> running = new ArrayList<>();
        try {
            long from = shareSize(batch, shares, 0);
            for (int k = 1; k < shares; k++) {
                long to = from + shareSize(batch, shares, k);
                running.add(threads.executors.get(k - 1).submit(work.prepare(k, from, to)));
                from = to;
            }
            Callable<T> own = work.prepare(0, 0, shareSize(batch, shares, 0));
            List<T> done = new ArrayList<>();
            RuntimeException failure = null;
            try {
                done.add(own.call());
            } catch (Exception e) {
                failure = unchecked(e);
            }
            for (Future<T> f : running) {
                try {
                    done.add(f.get());
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : unchecked(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = failure != null ? failure : new IllegalStateException("interrupted while the workers "
                            + "were running", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return done;
        } finally {
            for (Future<T> f : running) {
                if (!f.isDone()) { // only after an interrupt: the workers must not outlive their arrays
                    try {
                        f.get();
                    } catch (InterruptedException | ExecutionException ignored) {
                        // reported above
                    }
                }
            }
        }
    }

    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t.getMessage(), t);
    }

    /** Share {@code k} of {@code shares} of a batch: equal sizes, the first {@code batch % shares} one larger. */
    static long shareSize(long batch, int shares, int k) {
        return batch / shares + (k < batch % shares ? 1 : 0);
    }

    private static INDArray[] slice(INDArray[] inputs, long from, long to, List<INDArray> slices) {
        INDArray[] out = new INDArray[inputs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = slice(inputs[i], from, to, slices);
        }
        return out;
    }

    private static INDArray slice(INDArray a, long from, long to, List<INDArray> slices) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        index[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < index.length; i++) {
            index[i] = NDArrayIndex.all();
        }
        INDArray s = a.get(index).dup(); // a contiguous array of its own, as a batch of that size would be
        slices.add(s);
        return s;
    }

    /**
     * The shares' losses as one step's: every term and total as the mean over shares weighted by their sizes;
     * a network counts as updated when any share updated it.
     */
    static StepResult combine(List<Replica.Share> shares) {
        if (shares.size() == 1) {
            return shares.get(0).result();
        }
        double all = shares.stream().mapToLong(Replica.Share::size).sum();
        Map<String, Double> terms = new LinkedHashMap<>();
        Map<String, Double> totals = new LinkedHashMap<>();
        Map<String, Boolean> updated = new LinkedHashMap<>();
        for (Replica.Share s : shares) {
            double w = s.size() / all;
            s.result().terms().forEach((k, v) -> terms.merge(k, w * v, Double::sum));
            s.result().totals().forEach((k, v) -> totals.merge(k, w * v, Double::sum));
            s.result().updated().forEach((k, v) -> updated.merge(k, v, Boolean::logicalOr));
        }
        return new StepResult(terms, totals, updated);
    }

    /**
     * The mean gradient of a network over the shares that computed one, weighted by their sizes, written into the
     * first such share's gradient (the others' buffers are scaled in place); null when none did.
     */
    static Gradient average(List<Replica.Share> shares, String network) {
        List<Replica.Share> with = shares.stream().filter(s -> s.gradients().containsKey(network)).toList();
        if (with.isEmpty()) {
            return null;
        }
        Gradient target = with.get(0).gradients().get(network);
        if (with.size() == 1) {
            return target;
        }
        double all = with.stream().mapToLong(Replica.Share::size).sum();
        INDArray sum = target.gradient().muli(with.get(0).size() / all);
        for (Replica.Share s : with.subList(1, with.size())) {
            sum.addi(s.gradients().get(network).gradient().muli(s.size() / all));
        }
        return target;
    }
}
