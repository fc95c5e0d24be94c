package dev.adm.cli;

import dev.adm.models.run.RunSettings;
import picocli.CommandLine;

import java.util.HashMap;
import java.util.Map;

/**
 * The defaults of the shared options for one task's command, read off the task's config builder so that each
 * default is stated once (subclasses name the builder's defaults and the command's own).
 */
abstract class TaskDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> defaults = new HashMap<>();

    /**
     * @param task        the settings of the task's config builder as it is by default
     * @param taskOptions defaults of the task's own options, read off its config builder
     * @param options     defaults of the command's own options, by option name ({@code --method}, {@code --teacher})
     */
    TaskDefaults(RunSettings task, Map<String, String> taskOptions, Map<String, String> options) {
        defaults.put("--epochs", String.valueOf(task.epochs()));
        defaults.put("--batch", String.valueOf(task.batchSize()));
        defaults.put("--lr", String.valueOf(task.learningRate()));
        defaults.put("--seed", String.valueOf(task.seed()));
        defaults.put("--averaging-frequency", String.valueOf(task.averagingFrequency()));
        defaults.put("--student", String.join(",", task.students()));
        defaults.put("--method", task.method());
        defaults.putAll(taskOptions);
        defaults.putAll(options);
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        return arg instanceof CommandLine.Model.OptionSpec o ? defaults.get(o.longestName()) : null;
    }
}
