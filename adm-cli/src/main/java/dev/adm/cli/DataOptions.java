package dev.adm.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The dataset options shared by {@code train} and {@code eval} (a picocli mixin). */
final class DataOptions {
    @Option(names = "--dataset",
            description = "fashion-mnist, cifar10, cifar100 or folder; default ${DEFAULT-VALUE}")
    String dataset;
    @Option(names = "--data", description = "the dataset's directory (IDX files, CIFAR .bin files, or train/ and "
            + "test/ image folders); fashion-mnist without it: the system copy, else the embedded subset")
    Path data;
    @Option(names = "--embedded", description = "fashion-mnist: the embedded 8k/2k subset even when the full set is installed")
    boolean embedded;
    @Option(names = "--image-size", description = "folder datasets: resize images to this size; default ${DEFAULT-VALUE}")
    int imageSize;
}
