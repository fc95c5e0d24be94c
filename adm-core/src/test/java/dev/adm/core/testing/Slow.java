package dev.adm.core.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test that trains networks on real data, runs child JVMs or checks thousands of steps: the part of the
 * suite that takes minutes. {@code ./mvnw -B verify} runs everything; {@code ./mvnw -B verify -DexcludedGroups=slow}
 * runs the fast set alone.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("slow")
public @interface Slow {
}
