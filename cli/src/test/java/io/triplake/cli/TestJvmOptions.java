package io.triplake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

class TestJvmOptions {
  @Test
  void launcherAndSurefireUseThePinnedSparksOwnJavaOptions() throws IOException {
    // target/jvm.options is the pom's spark.jvm.options, which ./trip-lake and surefire both use.
    String launcher = Files.readString(Path.of("target", "jvm.options")).trim();
    assertThat(launcher).isEqualTo(JavaModuleOptions.defaultModuleOptions());
  }
}
